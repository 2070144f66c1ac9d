package computer.aesthetic.moodsync.spi;

import computer.aesthetic.moodsync.data.DataModel;
import computer.aesthetic.moodsync.syntax.Nsid;
import computer.aesthetic.moodsync.syntax.RecordKey;
import java.util.Map;
import java.util.Objects;

/** One write of an {@code applyWrites} batch. */
public sealed interface RepoWrite {
    /**
     * Returns the collection written.
     *
     * @return the collection NSID
     */
    Nsid collection();

    /**
     * Returns the record key written.
     *
     * @return the record key
     */
    RecordKey rkey();

    /**
     * Returns the write's cost in the reference PDS's write budget (create 3, update 2, delete 1).
     *
     * @return the points charged
     */
    int points();

    /**
     * Creates a record that must not exist yet ({@code #create}).
     *
     * @param collection the collection
     * @param rkey the record key
     * @param value the record value, data model only
     */
    record Create(Nsid collection, RecordKey rkey, Map<String, Object> value) implements RepoWrite {
        /** Validates and copies the value. */
        public Create {
            Objects.requireNonNull(collection, "collection");
            Objects.requireNonNull(rkey, "rkey");
            value = DataModel.copyRecord(value);
        }

        @Override
        public int points() {
            return 3;
        }
    }

    /**
     * Replaces a record that must exist ({@code #update}).
     *
     * @param collection the collection
     * @param rkey the record key
     * @param value the record value, data model only
     */
    record Update(Nsid collection, RecordKey rkey, Map<String, Object> value) implements RepoWrite {
        /** Validates and copies the value. */
        public Update {
            Objects.requireNonNull(collection, "collection");
            Objects.requireNonNull(rkey, "rkey");
            value = DataModel.copyRecord(value);
        }

        @Override
        public int points() {
            return 2;
        }
    }

    /**
     * Deletes a record that must exist ({@code #delete}).
     *
     * @param collection the collection
     * @param rkey the record key
     */
    record Delete(Nsid collection, RecordKey rkey) implements RepoWrite {
        /** Validates presence. */
        public Delete {
            Objects.requireNonNull(collection, "collection");
            Objects.requireNonNull(rkey, "rkey");
        }

        @Override
        public int points() {
            return 1;
        }
    }
}
