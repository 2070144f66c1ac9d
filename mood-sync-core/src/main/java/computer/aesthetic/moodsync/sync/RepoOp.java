package computer.aesthetic.moodsync.sync;

import computer.aesthetic.moodsync.data.Cid;
import java.util.Objects;
import java.util.Optional;

/**
 * One record operation of a {@code #commit} event.
 *
 * @param action what happened to the record
 * @param path the record's MST key, {@code collection/rkey}
 * @param cid the record's CID after the commit; present for create and update, absent for delete
 * @param prev the record's CID before the commit; present for update and delete on sync 1.1 PDSs, absent for
 *     create
 */
public record RepoOp(Action action, String path, Optional<Cid> cid, Optional<Cid> prev) {

    /** The kind of record operation. */
    public enum Action {
        /** A new record. */
        CREATE("create"),
        /** A changed record. */
        UPDATE("update"),
        /** A removed record. */
        DELETE("delete");

        private final String wire;

        Action(String wire) {
            this.wire = wire;
        }

        /**
         * Returns the wire name.
         *
         * @return {@code create}, {@code update} or {@code delete}
         */
        public String wire() {
            return wire;
        }

        /**
         * Finds the action of a wire name.
         *
         * @param wire the name on the wire
         * @return the action, or empty for any other name
         */
        public static Optional<Action> ofWire(String wire) {
            for (Action a : values()) {
                if (a.wire.equals(wire)) {
                    return Optional.of(a);
                }
            }
            return Optional.empty();
        }
    }

    /**
     * Validates the operation.
     *
     * @throws IllegalArgumentException if the path is not a valid MST key, a create or update lacks its CID, a
     *     delete carries one, or a create carries a {@code prev}
     */
    public RepoOp {
        Objects.requireNonNull(action, "action");
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(cid, "cid");
        Objects.requireNonNull(prev, "prev");
        if (!Mst.isValidKey(path)) {
            throw new IllegalArgumentException("expected an MST key collection/rkey, found \""
                    + (path.length() > 80 ? path.substring(0, 80) + "..." : path) + "\"");
        }
        if (action == Action.DELETE ? cid.isPresent() : cid.isEmpty()) {
            throw new IllegalArgumentException("a " + action.wire + " op " + (action == Action.DELETE
                    ? "must not carry a CID" : "needs the record's CID") + " (" + path + ")");
        }
        if (action == Action.CREATE && prev.isPresent()) {
            throw new IllegalArgumentException("a create op must not carry a prev CID (" + path + ")");
        }
    }

    /**
     * Returns the collection part of the path.
     *
     * @return the NSID text before the slash
     */
    public String collection() {
        return path.substring(0, path.indexOf('/'));
    }

    /**
     * Returns the record key part of the path.
     *
     * @return the text after the slash
     */
    public String rkey() {
        return path.substring(path.indexOf('/') + 1);
    }
}
