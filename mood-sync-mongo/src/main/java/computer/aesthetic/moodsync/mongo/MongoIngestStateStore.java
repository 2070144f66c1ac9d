package computer.aesthetic.moodsync.mongo;

import static com.mongodb.client.model.Filters.and;
import static com.mongodb.client.model.Filters.eq;
import static com.mongodb.client.model.Filters.exists;

import com.mongodb.MongoClientSettings;
import com.mongodb.MongoException;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.MongoDatabase;
import com.mongodb.client.model.Sorts;
import com.mongodb.client.model.UpdateOptions;
import com.mongodb.client.model.Updates;
import computer.aesthetic.moodsync.StoreException;
import computer.aesthetic.moodsync.data.Cid;
import computer.aesthetic.moodsync.mongo.internal.Errors;
import computer.aesthetic.moodsync.spi.FollowerLease;
import computer.aesthetic.moodsync.spi.IngestStateStore;
import computer.aesthetic.moodsync.spi.RepoSyncState;
import computer.aesthetic.moodsync.syntax.Did;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.stream.Stream;
import org.bson.Document;

/**
 * An {@link IngestStateStore} in a MongoDB collection of its own.
 *
 * <h2>Schema</h2>
 * <pre>{@code
 * {_id: "source:<source>", cursor?: Long, leaseOwner?: String, leaseVersion: Long}
 * {_id: "repo:<source> <did>", source: String, did: String, rev?: String, data?: String (CID),
 *  status: "SYNCHRONIZED"|"DESYNCHRONIZED", accountStatus?: String}
 * }</pre>
 * The lease is a compare-and-swap on {@code leaseVersion} and the cursor a {@code $max} filtered on
 * {@code leaseOwner}: each is one single-document update, no transactions, no clocks.
 *
 * <p>Immutable and thread-safe; many instances in many processes may share the collection. Failures are
 * {@link StoreException}s naming the operation.
 */
public final class MongoIngestStateStore implements IngestStateStore {
    /** The default collection name. */
    public static final String DEFAULT_COLLECTION = "moodsync_ingest";

    private final MongoCollection<Document> docs;

    private MongoIngestStateStore(MongoCollection<Document> docs) {
        this.docs = docs;
    }

    /**
     * Starts building a store on the host's database.
     *
     * @param database the host's database
     * @return a builder
     */
    public static Builder builder(MongoDatabase database) {
        return new Builder(database);
    }

    /** Builds a {@link MongoIngestStateStore}. Not thread-safe; the built store is. */
    public static final class Builder {
        private final MongoDatabase database;
        private String collection = DEFAULT_COLLECTION;

        private Builder(MongoDatabase database) {
            this.database = Objects.requireNonNull(database, "database");
        }

        /**
         * Sets the collection.
         *
         * @param name the collection name; default {@value MongoIngestStateStore#DEFAULT_COLLECTION}
         * @return this builder
         */
        public Builder collection(String name) {
            this.collection = Objects.requireNonNull(name, "collection");
            return this;
        }

        /**
         * Builds the store.
         *
         * @return the store
         * @throws IllegalArgumentException if the collection name is not a valid MongoDB collection name
         */
        public MongoIngestStateStore build() {
            MongoMoodStore.validateCollectionName("collection", collection);
            return new MongoIngestStateStore(database.getCollection(collection)
                    .withCodecRegistry(MongoClientSettings.getDefaultCodecRegistry()));
        }
    }

    private static String sourceId(String source) {
        return "source:" + Objects.requireNonNull(source, "source");
    }

    private static String repoId(String source, Did did) {
        return "repo:" + Objects.requireNonNull(source, "source") + " " + did;
    }

    @Override
    public OptionalLong cursor(String source) {
        try {
            Document d = docs.find(eq("_id", sourceId(source))).first();
            return d != null && d.get("cursor") instanceof Number n ? OptionalLong.of(n.longValue())
                    : OptionalLong.empty();
        } catch (MongoException e) {
            throw Errors.wrap("cursor", e);
        }
    }

    @Override
    public boolean saveCursor(String source, String owner, long seq) {
        Objects.requireNonNull(owner, "owner");
        try {
            return docs.updateOne(and(eq("_id", sourceId(source)), eq("leaseOwner", owner)),
                    Updates.max("cursor", seq)).getMatchedCount() > 0;
        } catch (MongoException e) {
            throw Errors.wrap("saveCursor", e);
        }
    }

    @Override
    public Optional<RepoSyncState> repo(String source, Did did) {
        Objects.requireNonNull(did, "did");
        try {
            return Optional.ofNullable(docs.find(eq("_id", repoId(source, did))).first())
                    .map(MongoIngestStateStore::toState);
        } catch (MongoException e) {
            throw Errors.wrap("repo", e);
        }
    }

    private static RepoSyncState toState(Document d) {
        try {
            return new RepoSyncState(Did.parse(d.getString("did")), Optional.ofNullable(d.getString("rev")),
                    Optional.ofNullable(d.getString("data")).map(Cid::parse),
                    RepoSyncState.Status.valueOf(d.getString("status")),
                    Optional.ofNullable(d.getString("accountStatus")));
        } catch (RuntimeException e) {
            throw new StoreException("repo", "unreadable repository state " + d.get("_id") + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void saveRepo(String source, RepoSyncState state) {
        Objects.requireNonNull(state, "state");
        Document d = new Document("_id", repoId(source, state.did())).append("source", source)
                .append("did", state.did().toString()).append("status", state.status().name());
        state.rev().ifPresent(r -> d.append("rev", r));
        state.data().ifPresent(c -> d.append("data", c.toString()));
        state.accountStatus().ifPresent(s -> d.append("accountStatus", s));
        try {
            docs.replaceOne(eq("_id", d.get("_id")), d, new com.mongodb.client.model.ReplaceOptions().upsert(true));
        } catch (MongoException e) {
            throw Errors.wrap("saveRepo", e);
        }
    }

    @Override
    public Stream<RepoSyncState> repos(String source) {
        try {
            List<RepoSyncState> all = new ArrayList<>();
            for (Document d : docs.find(eq("source", Objects.requireNonNull(source, "source")))
                    .sort(Sorts.ascending("did"))) {
                if (d.getString("_id").startsWith("repo:")) {
                    all.add(toState(d));
                }
            }
            return all.stream();
        } catch (MongoException e) {
            throw Errors.wrap("repos", e);
        }
    }

    @Override
    public FollowerLease lease(String source) {
        try {
            Document d = docs.find(eq("_id", sourceId(source))).first();
            if (d == null) {
                return new FollowerLease(Optional.empty(), 0);
            }
            long version = d.get("leaseVersion") instanceof Number n ? n.longValue() : 0;
            return new FollowerLease(Optional.ofNullable(d.getString("leaseOwner")), version);
        } catch (MongoException e) {
            throw Errors.wrap("lease", e);
        }
    }

    @Override
    public boolean acquire(String source, String owner, long expectedVersion) {
        Objects.requireNonNull(owner, "owner");
        try {
            if (expectedVersion == 0) {
                // No lease yet: insert it; a concurrent first acquire makes this a duplicate key (false below).
                com.mongodb.client.result.UpdateResult r = docs.updateOne(
                        and(eq("_id", sourceId(source)), exists("leaseVersion", false)),
                        Updates.combine(Updates.set("leaseOwner", owner), Updates.set("leaseVersion", 1L)),
                        new UpdateOptions().upsert(true));
                return r.getUpsertedId() != null || r.getModifiedCount() > 0;
            }
            return docs.updateOne(and(eq("_id", sourceId(source)), eq("leaseVersion", expectedVersion)),
                    Updates.combine(Updates.set("leaseOwner", owner), Updates.inc("leaseVersion", 1L)))
                    .getMatchedCount() > 0;
        } catch (MongoException e) {
            if (Errors.isDuplicateKey(e)) {
                return false;
            }
            throw Errors.wrap("acquire", e);
        }
    }

    @Override
    public boolean renew(String source, String owner) {
        Objects.requireNonNull(owner, "owner");
        try {
            return docs.updateOne(and(eq("_id", sourceId(source)), eq("leaseOwner", owner)),
                    Updates.inc("leaseVersion", 1L)).getMatchedCount() > 0;
        } catch (MongoException e) {
            throw Errors.wrap("renew", e);
        }
    }

    @Override
    public void release(String source, String owner) {
        Objects.requireNonNull(owner, "owner");
        try {
            docs.updateOne(and(eq("_id", sourceId(source)), eq("leaseOwner", owner)),
                    Updates.combine(Updates.unset("leaseOwner"), Updates.inc("leaseVersion", 1L)));
        } catch (MongoException e) {
            throw Errors.wrap("release", e);
        }
    }

    @Override
    public String toString() {
        return "MongoIngestStateStore[" + docs.getNamespace() + "]";
    }
}
