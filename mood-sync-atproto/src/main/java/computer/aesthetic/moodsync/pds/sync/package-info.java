/**
 * Live ingest against a real PDS: {@link computer.aesthetic.moodsync.pds.sync.BouncyCastleSignatureVerifier k256
 * and p256 signature verification} and {@link computer.aesthetic.moodsync.pds.sync.WebSocketFirehose the
 * {@code com.atproto.sync.subscribeRepos} WebSocket source}. Decoding and verification themselves live in core's
 * {@code computer.aesthetic.moodsync.sync}.
 *
 * <p>Values are non-null unless documented.
 */
package computer.aesthetic.moodsync.pds.sync;
