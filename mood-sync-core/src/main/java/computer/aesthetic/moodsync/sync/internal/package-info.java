/**
 * Byte-level helpers of the live-ingest decoders (varints, base58btc, CBOR item boundaries). Not API:
 * anything here may change without notice.
 *
 * <p>Values are non-null unless documented.
 */
package computer.aesthetic.moodsync.sync.internal;
