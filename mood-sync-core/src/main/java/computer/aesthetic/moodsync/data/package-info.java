/**
 * The ATProto data model in Java: {@link computer.aesthetic.moodsync.data.Cid content identifiers},
 * canonical {@link computer.aesthetic.moodsync.data.DagCbor DAG-CBOR} encoding and the
 * {@link computer.aesthetic.moodsync.data.DataModel JSON mapping and validation} of record values.
 *
 * <p>Values are non-null unless documented.
 */
package computer.aesthetic.moodsync.data;
