/**
 * Live ingest foundations: decoding and verifying what a PDS sends on
 * {@code com.atproto.sync.subscribeRepos} without any I/O. {@link computer.aesthetic.moodsync.sync.Car CAR v1}
 * slices, {@link computer.aesthetic.moodsync.sync.FrameCodec event frames}
 * ({@link computer.aesthetic.moodsync.sync.FirehoseEvent the five event kinds and error frames}),
 * {@link computer.aesthetic.moodsync.sync.SignedCommit signed commits},
 * {@link computer.aesthetic.moodsync.sync.Mst the Merkle search tree} (key heights, building, proofs and
 * the inversion of a commit's operations), {@link computer.aesthetic.moodsync.sync.DidKey did:key} public keys
 * and {@link computer.aesthetic.moodsync.sync.CommitVerifier commit verification} behind a pluggable
 * {@link computer.aesthetic.moodsync.sync.SignatureVerifier}.
 *
 * <p>Core holds a P-256 implementation on the JDK's own EC ({@link computer.aesthetic.moodsync.sync.JdkP256});
 * the k256 and p256 verifier PDSs need in production lives in {@code mood-sync-atproto}
 * ({@code computer.aesthetic.moodsync.pds.sync.BouncyCastleSignatureVerifier}).
 *
 * <p>Every malformation is a {@link computer.aesthetic.moodsync.sync.MalformedEventException}, every failed
 * check a {@link computer.aesthetic.moodsync.sync.VerificationException}; both are
 * {@link computer.aesthetic.moodsync.MoodSyncException}s. Values are non-null unless documented.
 */
package computer.aesthetic.moodsync.sync;
