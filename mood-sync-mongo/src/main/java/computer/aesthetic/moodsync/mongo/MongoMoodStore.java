package computer.aesthetic.moodsync.mongo;

import static com.mongodb.client.model.Filters.and;
import static com.mongodb.client.model.Filters.eq;
import static com.mongodb.client.model.Filters.exists;
import static com.mongodb.client.model.Filters.gt;
import static com.mongodb.client.model.Filters.gte;
import static com.mongodb.client.model.Filters.in;
import static com.mongodb.client.model.Filters.lte;
import static com.mongodb.client.model.Filters.ne;
import static com.mongodb.client.model.Filters.or;
import static com.mongodb.client.model.Filters.type;

import com.mongodb.MongoBulkWriteException;
import com.mongodb.MongoClientSettings;
import com.mongodb.MongoException;
import com.mongodb.bulk.BulkWriteResult;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.MongoCursor;
import com.mongodb.client.MongoDatabase;
import com.mongodb.client.model.BulkWriteOptions;
import com.mongodb.client.model.FindOneAndUpdateOptions;
import com.mongodb.client.model.IndexOptions;
import com.mongodb.client.model.Indexes;
import com.mongodb.client.model.Projections;
import com.mongodb.client.model.ReturnDocument;
import com.mongodb.client.model.Sorts;
import com.mongodb.client.model.UpdateOneModel;
import com.mongodb.client.model.Updates;
import com.mongodb.client.result.UpdateResult;
import computer.aesthetic.moodsync.Mood;
import computer.aesthetic.moodsync.MoodId;
import computer.aesthetic.moodsync.NoSuchMoodException;
import computer.aesthetic.moodsync.PendingSync;
import computer.aesthetic.moodsync.StoreConflictException;
import computer.aesthetic.moodsync.StoreException;
import computer.aesthetic.moodsync.UserId;
import computer.aesthetic.moodsync.mongo.internal.Cursors;
import computer.aesthetic.moodsync.mongo.internal.Errors;
import computer.aesthetic.moodsync.mongo.internal.MoodDocuments;
import computer.aesthetic.moodsync.spi.AccountHold;
import computer.aesthetic.moodsync.spi.Claim;
import computer.aesthetic.moodsync.spi.Completion;
import computer.aesthetic.moodsync.spi.MalformedMood;
import computer.aesthetic.moodsync.spi.MoodChange;
import computer.aesthetic.moodsync.spi.MoodStore;
import computer.aesthetic.moodsync.spi.UserState;
import computer.aesthetic.moodsync.syntax.RecordKey;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Date;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.Spliterator;
import java.util.Spliterators;
import java.util.function.Supplier;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;
import org.bson.Document;
import org.bson.conversions.Bson;
import org.bson.types.ObjectId;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link MoodStore} over a MongoDB collection in the origin system's schema.
 *
 * <h2>Schema</h2>
 * One document per mood, exactly as the origin system writes them:
 * <pre>{@code
 * {_id: ObjectId, user: String, mood: String, when: Date, deleted?: true, atproto?: {rkey: String},
 *  atprotoSync?: {op: "CREATE"|"UPDATE"|"DELETE", token: Long, attempts: Int, nextAttemptAt: Date,
 *                 lastError?: String, leaseOwner?: String, leaseAt?: Date, leaseMillis?: Long, failed?: true}}
 * }</pre>
 * <ul>
 *   <li>A synced mood looks as before, {@code atproto: {rkey}} and no {@code atprotoSync}, plus
 *       {@code atproto.cid}: the CID of the record as this library last wrote it, the {@code swapRecord} of the
 *       next update or delete (absent on legacy links: then learnt from the PDS). A legacy {@code atproto: null}
 *       reads as unlinked and is replaced by a sub-document when linked. The pending
 *       marker {@code atprotoSync} is written in the same insert as a new mood and removed ({@code $unset}) in the
 *       same update that links {@code atproto.rkey}.</li>
 *   <li>{@code deleted} is written only when true; an undelete removes the field ({@code $unset}), so an undeleted
 *       mood looks like one that was never deleted.</li>
 *   <li>Updates use {@code $set}/{@code $unset} on the fields they own and never replace a document, so unknown
 *       fields are preserved.</li>
 *   <li>Reading is tolerant: a document without {@code when} gets the timestamp of its ObjectId (second
 *       precision; the document is not rewritten); {@code atproto} may carry other fields and any valid record
 *       key (such as a PDS-chosen TID); {@code deleted: false} reads as not deleted. A document that cannot be
 *       read as a mood ({@code _id} not an ObjectId, {@code user} missing or not a valid user id, {@code mood}
 *       not a string, {@code when} not a date, ...) is skipped by listings and reported by
 *       {@link #listMalformed}; {@link #find} and {@link #findByRkey} treat it as absent, the methods that
 *       change a mood refuse it with a {@link StoreException}, and pending work found on it by {@link #claimDue}
 *       or {@link #tryLease} is parked ({@code failed: true}, {@code lastError} naming the problem) rather than
 *       claimed again and again.</li>
 *   <li>Documents are decoded with the driver's default codecs, whatever codec registry the database has.</li>
 * </ul>
 *
 * <h2>Indexes</h2>
 * Unless {@link Builder#createIndexes(boolean) disabled}, {@link Builder#build()} creates (idempotently)
 * {@code {user: 1, _id: 1}} for listings, a unique sparse {@code {"atproto.rkey": 1}} that makes record keys unique
 * across the collection, and a sparse {@code {"atprotoSync.nextAttemptAt": 1}} for due work. The rkey index is
 * sparse rather than partial because some servers (such as the embedded test server) ignore partial filters; rkeys
 * are unique per collection, not per user, which is sound because this library derives them from unique ObjectIds
 * and PDS-chosen TIDs do not repeat. Without the unique index, rkey uniqueness is not enforced.
 *
 * <h2>Consistency and thread-safety</h2>
 * Instances are immutable and thread-safe, and many instances (in many processes) may share one collection: every
 * method is atomic on one document (a batch claim is one token-guarded {@code updateMany}, atomic per document),
 * leases are judged by the server's clock ({@code $$NOW}), no transactions are used. Write
 * concern, read concern and read preference are those of the host's {@link MongoDatabase}; use the primary (the
 * default) for reads, or the store may read its own writes late. The store never creates a client of its own.
 *
 * <p>Failures are {@link StoreException}s naming the operation (e.g. {@code "insert"}, {@code "claimDue"}) with the
 * driver's exception as the cause; a unique index violation is a {@link StoreConflictException}.
 */
public final class MongoMoodStore implements MoodStore {
    private static final Logger LOG = LoggerFactory.getLogger(MongoMoodStore.class);
    /** The default collection name. */
    public static final String DEFAULT_COLLECTION = "moods";
    /**
     * The default collection of what gates each user's writes: the erasure tombstone ({@link #fenceUser}) and the
     * account hold ({@link #holdAccount}), one document per user, so that {@link #userState} is one read.
     */
    public static final String DEFAULT_USER_STATES = "moodsyncUsers";
    /** The field of a user's state document that holds its erasure tombstone's time. */
    static final String ERASED_SINCE = "erasedSince";
    /** The field of a user's state document that holds its account hold, {@code {status, since}}. */
    static final String HOLD = "hold";

    /**
     * The shape checks a filter can make: a malformed document is refused rather than given a pending marker or a
     * lease. What a filter cannot see (an invalid record key or user id, a broken marker) is caught on reading.
     */
    private static final Bson LOOKS_LIKE_A_MOOD = and(
            type(MoodDocuments.USER, "string"),
            type(MoodDocuments.TEXT, "string"),
            or(eq(MoodDocuments.WHEN, null), type(MoodDocuments.WHEN, "date")),
            or(eq(MoodDocuments.DELETED, null), type(MoodDocuments.DELETED, "bool")));

    /**
     * When the lease of a marker ends, by the server's clock: {@code leaseAt + leaseMillis} for a lease this store
     * took, or {@code leaseUntil} as written by earlier versions.
     */
    private static final Document LEASE_END = new Document("$ifNull", List.of(
            new Document("$add", List.of("$" + MoodDocuments.SYNC_LEASE_AT, "$" + MoodDocuments.SYNC_LEASE_MILLIS)),
            "$" + MoodDocuments.SYNC_LEASE_UNTIL));

    /** No lease, or one that has ended by the database server's clock ({@code $$NOW}). */
    private static final Bson LEASE_FREE = or(eq(MoodDocuments.SYNC_LEASE_OWNER, null),
            new Document("$expr", new Document("$lte", List.of(LEASE_END, "$$NOW"))));

    /** A lease still live by the database server's clock. */
    private static final Bson LEASE_LIVE = and(ne(MoodDocuments.SYNC_LEASE_OWNER, null),
            new Document("$expr", new Document("$gt", List.of(LEASE_END, "$$NOW"))));

    /** Takes the lease for {@code owner}, for {@code millis} from the server's time. */
    private static Bson takeLease(String owner, long millis) {
        return takeLease(owner, millis, Optional.empty());
    }

    /** Takes the lease for {@code owner}, for {@code millis} from the server's time, tagged with a claim id. */
    private static Bson takeLease(String owner, long millis, Optional<String> claimTag) {
        return Updates.combine(Updates.set(MoodDocuments.SYNC_LEASE_OWNER, owner),
                Updates.currentDate(MoodDocuments.SYNC_LEASE_AT),
                Updates.set(MoodDocuments.SYNC_LEASE_MILLIS, millis),
                Updates.unset(MoodDocuments.SYNC_LEASE_UNTIL),
                claimTag.isPresent() ? Updates.set(MoodDocuments.SYNC_LEASE_CLAIM, claimTag.get())
                        : Updates.unset(MoodDocuments.SYNC_LEASE_CLAIM));
    }

    /** Releases any lease. */
    private static Bson noLease() {
        return Updates.combine(Updates.unset(MoodDocuments.SYNC_LEASE_OWNER),
                Updates.unset(MoodDocuments.SYNC_LEASE_UNTIL), Updates.unset(MoodDocuments.SYNC_LEASE_AT),
                Updates.unset(MoodDocuments.SYNC_LEASE_MILLIS), Updates.unset(MoodDocuments.SYNC_LEASE_CLAIM));
    }

    private final MongoCollection<Document> moods;
    /**
     * What gates each user's writes, one document per user that has any:
     * {@code {_id: user, erasedSince?: Date, hold?: {status: String, since: Date}}}.
     */
    private final MongoCollection<Document> users;

    private MongoMoodStore(MongoCollection<Document> moods, MongoCollection<Document> users) {
        this.moods = moods;
        this.users = users;
    }

    /**
     * Starts building a store on the host's database.
     *
     * @param database the host's database; its client, write concern and read preference are used as they are
     * @return a builder
     */
    public static Builder builder(MongoDatabase database) {
        return new Builder(database);
    }

    /**
     * Builds a {@link MongoMoodStore}. Not thread-safe; the built store is.
     */
    public static final class Builder {
        private final MongoDatabase database;
        private String collection = DEFAULT_COLLECTION;
        private String userStates = DEFAULT_USER_STATES;
        private boolean createIndexes = true;

        private Builder(MongoDatabase database) {
            this.database = Objects.requireNonNull(database, "database");
        }

        /**
         * Sets the collection of moods.
         *
         * @param name the collection name; default {@value MongoMoodStore#DEFAULT_COLLECTION}
         * @return this builder
         */
        public Builder collection(String name) {
            this.collection = Objects.requireNonNull(name, "collection");
            return this;
        }

        /**
         * Sets the collection of what gates each user's writes: one small document per user with an erasure
         * tombstone ({@link MongoMoodStore#fenceUser}) or an account hold ({@link MongoMoodStore#holdAccount}),
         * {@code {_id: user, erasedSince?: Date, hold?: {status, since}}}. Both live in one document so that the
         * fence check after each post is one read ({@link MongoMoodStore#userState}).
         *
         * @param name the collection name; default {@value MongoMoodStore#DEFAULT_USER_STATES}
         * @return this builder
         */
        public Builder userStatesCollection(String name) {
            this.userStates = Objects.requireNonNull(name, "userStatesCollection");
            return this;
        }

        /**
         * Sets whether {@link #build()} creates the store's indexes (idempotently: existing identical indexes are
         * left alone).
         *
         * @param create true (the default) to create them; false when the host manages indexes itself
         * @return this builder
         */
        public Builder createIndexes(boolean create) {
            this.createIndexes = create;
            return this;
        }

        /**
         * Builds the store, creating its indexes unless disabled.
         *
         * @return the store
         * @throws IllegalArgumentException if the collection name is not a valid MongoDB collection name
         * @throws StoreException if creating the indexes failed (operation {@code "createIndexes"})
         */
        public MongoMoodStore build() {
            validateCollectionName("collection", collection);
            validateCollectionName("userStatesCollection", userStates);
            if (userStates.equals(collection)) {
                throw new IllegalArgumentException("userStatesCollection: expected a collection other than the moods' ("
                        + MoodDocuments.quote(collection) + ")");
            }
            MongoMoodStore store = new MongoMoodStore(database.getCollection(collection)
                    .withCodecRegistry(MongoClientSettings.getDefaultCodecRegistry()),
                    database.getCollection(userStates)
                            .withCodecRegistry(MongoClientSettings.getDefaultCodecRegistry()));
            if (createIndexes) {
                store.createIndexes();
            }
            return store;
        }
    }

    static void validateCollectionName(String property, String name) {
        if (name.isEmpty() || name.startsWith("system.") || name.indexOf('$') >= 0 || name.indexOf('\0') >= 0) {
            throw new IllegalArgumentException(property + ": expected a MongoDB collection name (not empty, no '$' or "
                    + "NUL, not starting with 'system.'), found " + MoodDocuments.quote(name));
        }
    }

    /**
     * Creates the store's indexes if they do not exist (see the class documentation). Safe to call any number of
     * times, from any number of processes.
     *
     * @throws StoreException if an index could not be created, for instance because an index on the same keys
     *     exists with other options (operation {@code "createIndexes"})
     */
    public void createIndexes() {
        run("createIndexes", () -> {
            moods.createIndex(Indexes.ascending(MoodDocuments.USER, MoodDocuments.ID));
            moods.createIndex(Indexes.ascending(MoodDocuments.RKEY), new IndexOptions().unique(true).sparse(true));
            moods.createIndex(Indexes.ascending(MoodDocuments.SYNC_NEXT), new IndexOptions().sparse(true));
            return null;
        });
    }

    /**
     * Returns the collection's namespace, for diagnostics.
     *
     * @return {@code database.collection}
     */
    public String namespace() {
        return moods.getNamespace().getFullName();
    }

    @Override
    public void insert(Mood mood) {
        Objects.requireNonNull(mood, "mood");
        try {
            moods.insertOne(MoodDocuments.toDocument(mood));
        } catch (MongoException e) {
            if (Errors.isDuplicateKey(e)) {
                throw conflictOnInsert("insert", mood, e);
            }
            throw Errors.wrap("insert", e);
        }
    }

    @Override
    public boolean insertIfAbsent(Mood mood) {
        Objects.requireNonNull(mood, "mood");
        try {
            moods.insertOne(MoodDocuments.toDocument(mood));
            return true;
        } catch (MongoException e) {
            if (Errors.isDuplicateKey(e)) {
                if (idExists("insertIfAbsent", mood.id())) {
                    return false;
                }
                throw conflictOnInsert("insertIfAbsent", mood, e);
            }
            throw Errors.wrap("insertIfAbsent", e);
        }
    }

    private StoreConflictException conflictOnInsert(String operation, Mood mood, MongoException e) {
        if (idExists(operation, mood.id())) {
            return new StoreConflictException(operation, "a mood with id " + mood.id() + " exists", e);
        }
        return new StoreConflictException(operation, "record key " + mood.rkey().map(RecordKey::value).orElse("?")
                + " is linked to another mood (inserting mood " + mood.id() + ")", e);
    }

    private boolean idExists(String operation, MoodId id) {
        return run(operation, () -> moods.find(eq(MoodDocuments.ID, MoodDocuments.objectId(id)))
                .projection(Projections.include(MoodDocuments.ID)).first() != null);
    }

    @Override
    public Optional<Mood> find(MoodId id) {
        Objects.requireNonNull(id, "id");
        Document d = run("find", () -> moods.find(eq(MoodDocuments.ID, MoodDocuments.objectId(id))).first());
        return d == null ? Optional.empty() : readOrSkip(d);
    }

    @Override
    public Map<MoodId, Mood> findAll(Collection<MoodId> ids) {
        Objects.requireNonNull(ids, "ids");
        Map<MoodId, Mood> found = new HashMap<>();
        if (ids.isEmpty()) {
            return found;
        }
        List<ObjectId> oids = ids.stream().map(MoodDocuments::objectId).toList();
        run("findAll", () -> {
            for (Document d : moods.find(in(MoodDocuments.ID, oids))) {
                readOrSkip(d).ifPresent(m -> found.put(m.id(), m));
            }
            return null;
        });
        return found;
    }

    @Override
    public Optional<Mood> findByRkey(UserId user, RecordKey rkey) {
        Objects.requireNonNull(user, "user");
        Objects.requireNonNull(rkey, "rkey");
        Document d = run("findByRkey", () -> moods.find(and(eq(MoodDocuments.RKEY, rkey.value()),
                eq(MoodDocuments.USER, user.value()))).first());
        return d == null ? Optional.empty() : readOrSkip(d);
    }

    @Override
    public Stream<Mood> listByUser(UserId user) {
        Objects.requireNonNull(user, "user");
        MongoCursor<Document> cursor = run("listByUser", () -> moods.find(eq(MoodDocuments.USER, user.value()))
                .sort(Sorts.ascending(MoodDocuments.ID)).iterator());
        return Cursors.stream("listByUser", cursor, MongoMoodStore::readOrSkip);
    }

    /**
     * {@inheritDoc}
     *
     * <p>Walks the {@code {user: 1, _id: 1}} index one user at a time (one small query per user), so it never holds
     * more than one user in memory. Users are compared as MongoDB compares strings (by UTF-8 bytes); user fields
     * that are not valid user ids are skipped.
     */
    @Override
    public Stream<UserId> listUsers() {
        Iterator<UserId> users = new Iterator<>() {
            private Optional<String> last = Optional.empty();
            private UserId next;
            private boolean done;

            @Override
            public boolean hasNext() {
                while (next == null && !done) {
                    Bson filter = last.isPresent() ? gt(MoodDocuments.USER, last.get()) : gte(MoodDocuments.USER, "");
                    Document d = run("listUsers", () -> moods.find(and(filter, type(MoodDocuments.USER, "string")))
                            .sort(Sorts.ascending(MoodDocuments.USER))
                            .projection(Projections.include(MoodDocuments.USER))
                            .limit(1).first());
                    if (d == null || !(d.get(MoodDocuments.USER) instanceof String user)) {
                        done = true;
                    } else {
                        last = Optional.of(user);
                        next = UserId.tryParse(user).orElse(null);
                    }
                }
                return next != null;
            }

            @Override
            public UserId next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                UserId result = next;
                next = null;
                return result;
            }
        };
        return StreamSupport.stream(Spliterators.spliteratorUnknownSize(users,
                Spliterator.ORDERED | Spliterator.DISTINCT | Spliterator.NONNULL), false);
    }

    /**
     * {@inheritDoc}
     *
     * <p>Reads every document of the user (or of the collection) and reports those that are not moods, in
     * {@code _id} order. A full scan: meant for diagnostics and reconcile reports. Documents without a string
     * {@code user} are reported only when {@code user} is empty.
     */
    @Override
    public Stream<MalformedMood> listMalformed(Optional<UserId> user) {
        Objects.requireNonNull(user, "user");
        Bson filter = user.map(u -> eq(MoodDocuments.USER, u.value())).orElse(new Document());
        MongoCursor<Document> cursor = run("listMalformed", () -> moods.find(filter)
                .sort(Sorts.ascending(MoodDocuments.ID)).iterator());
        return Cursors.stream("listMalformed", cursor, d -> MoodDocuments.read(d).malformed());
    }

    /** {@inheritDoc} One look-up by {@code _id}. */
    @Override
    public Optional<MalformedMood> findMalformed(MoodId id) {
        Objects.requireNonNull(id, "id");
        Document d = run("findMalformed", () -> moods.find(eq(MoodDocuments.ID, MoodDocuments.objectId(id))).first());
        return d == null ? Optional.empty() : MoodDocuments.read(d).malformed();
    }

    @Override
    public Stream<Mood> listPending(Optional<UserId> user) {
        Objects.requireNonNull(user, "user");
        Bson pending = exists(MoodDocuments.SYNC);
        Bson filter = user.map(u -> and(pending, eq(MoodDocuments.USER, u.value()))).orElse(pending);
        MongoCursor<Document> cursor = run("listPending", () -> moods.find(filter)
                .sort(Sorts.ascending(MoodDocuments.SYNC_NEXT, MoodDocuments.ID)).iterator());
        return Cursors.stream("listPending", cursor, MongoMoodStore::readOrSkip);
    }

    /**
     * {@inheritDoc}
     *
     * <p>The marker's fields are set one by one ({@code atprotoSync.op}, {@code .token}, ...), so a lease held on
     * the old marker ({@code leaseOwner}, {@code leaseUntil}) is kept. A document that is not a valid mood is refused
     * with a {@link StoreException} and left as it is (unless it is malformed in a way a filter cannot see, such
     * as an invalid record key: then the change is applied and the exception names the problem).
     */
    @Override
    public Mood change(MoodId id, MoodChange change) {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(change, "change");
        List<Bson> updates = new ArrayList<>();
        change.text().ifPresent(t -> updates.add(Updates.set(MoodDocuments.TEXT, t)));
        change.deleted().ifPresent(d -> updates.add(d ? Updates.set(MoodDocuments.DELETED, true)
                : Updates.unset(MoodDocuments.DELETED)));
        updates.addAll(markerFieldsKeepingLease(change.pending()));
        return updateReadable("change", id, Updates.combine(updates));
    }

    /** Sets every field of a marker but the lease, so a lease held on the previous marker survives. */
    private static List<Bson> markerFieldsKeepingLease(PendingSync p) {
        List<Bson> updates = new ArrayList<>(6);
        updates.add(Updates.set(MoodDocuments.SYNC_OP, p.op().name()));
        updates.add(Updates.set(MoodDocuments.SYNC_TOKEN, p.token()));
        updates.add(Updates.set(MoodDocuments.SYNC_ATTEMPTS, p.attempts()));
        updates.add(Updates.set(MoodDocuments.SYNC_NEXT, Date.from(p.nextAttemptAt())));
        updates.add(p.lastError().isPresent() ? Updates.set(MoodDocuments.SYNC_ERROR, p.lastError().get())
                : Updates.unset(MoodDocuments.SYNC_ERROR));
        updates.add(p.failed() ? Updates.set(MoodDocuments.SYNC_FAILED, true)
                : Updates.unset(MoodDocuments.SYNC_FAILED));
        return updates;
    }

    @Override
    public Optional<Mood> tryLease(MoodId id, String owner, Instant now, Instant until) {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(owner, "owner");
        Objects.requireNonNull(now, "now");
        Objects.requireNonNull(until, "until");
        Bson filter = and(eq(MoodDocuments.ID, MoodDocuments.objectId(id)), LOOKS_LIKE_A_MOOD,
                exists(MoodDocuments.SYNC), ne(MoodDocuments.SYNC_FAILED, true),
                or(LEASE_FREE, eq(MoodDocuments.SYNC_LEASE_OWNER, owner)));
        Bson lease = takeLease(owner, Math.max(1, java.time.Duration.between(now, until).toMillis()));
        Document d = run("tryLease", () -> moods.findOneAndUpdate(filter, lease,
                new FindOneAndUpdateOptions().returnDocument(ReturnDocument.AFTER)));
        if (d == null) {
            return Optional.empty();
        }
        MoodDocuments.Read read = MoodDocuments.read(d);
        if (read.mood().isEmpty()) {
            park(d, read.malformed().get(), "tryLease");
        }
        return read.mood();
    }

    @Override
    public Mood setPending(MoodId id, PendingSync marker) {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(marker, "marker");
        return updateReadable("setPending", id, Updates.combine(markerFieldsKeepingLease(marker)));
    }

    /** Applies an update to a well-formed mood and returns it after the update. */
    private Mood updateReadable(String operation, MoodId id, Bson update) {
        ObjectId oid = MoodDocuments.objectId(id);
        Bson filter = and(eq(MoodDocuments.ID, oid), LOOKS_LIKE_A_MOOD);
        Document after = run(operation, () -> moods.findOneAndUpdate(filter, update,
                new FindOneAndUpdateOptions().returnDocument(ReturnDocument.AFTER)));
        if (after == null) {
            Document raw = run(operation, () -> moods.find(eq(MoodDocuments.ID, oid)).first());
            if (raw == null) {
                throw new NoSuchMoodException(id);
            }
            throw malformed(operation, raw);
        }
        MoodDocuments.Read read = MoodDocuments.read(after);
        if (read.mood().isEmpty()) {
            throw malformed(operation, after);
        }
        return read.mood().get();
    }

    private static StoreException malformed(String operation, Document raw) {
        String problem = MoodDocuments.read(raw).malformed().map(MalformedMood::problem).orElse("unreadable");
        return new StoreException(operation, "document " + raw.get(MoodDocuments.ID) + " is not a valid mood: "
                + problem, null);
    }

    @Override
    public boolean completeSync(MoodId id, long token, String owner, Optional<RecordKey> rkey) {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(owner, "owner");
        Objects.requireNonNull(rkey, "rkey");
        ObjectId oid = MoodDocuments.objectId(id);
        Bson withToken = and(eq(MoodDocuments.ID, oid), eq(MoodDocuments.SYNC_TOKEN, token));
        Optional<Bson> link = rkey.map(k -> Updates.set(MoodDocuments.RKEY, k.value()));
        Bson done = link.map(l -> Updates.combine(l, Updates.unset(MoodDocuments.SYNC),
                Updates.unset(MoodDocuments.RKEY_CID))).orElse(Updates.combine(Updates.unset(MoodDocuments.SYNC),
                        Updates.unset(MoodDocuments.RKEY_CID)));
        if (linkingUpdate("completeSync", oid, withToken, done).getMatchedCount() > 0) {
            return true;
        }
        // The marker has moved on (or the mood is gone): the record exists all the same, so link it...
        link.ifPresent(l -> linkingUpdate("completeSync", oid, eq(MoodDocuments.ID, oid), l));
        // ...and let the newer marker be claimed.
        releaseLease("completeSync", oid, owner);
        return false;
    }

    /**
     * {@inheritDoc}
     *
     * <p>With the current token: one update sets {@code atproto.rkey} and {@code atproto.cid} (or removes the CID)
     * and removes {@code atprotoSync}. Superseded: the link is set, the newer marker's lease released, and a marker
     * is put back with an update conditional on there being none (one for a live mood, one for a deleted one), each
     * atomic.
     */
    @Override
    public boolean completeSync(MoodId id, long token, String owner, Optional<RecordKey> rkey,
            Optional<computer.aesthetic.moodsync.data.Cid> cid, Instant now) {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(owner, "owner");
        Objects.requireNonNull(rkey, "rkey");
        Objects.requireNonNull(cid, "cid");
        Objects.requireNonNull(now, "now");
        ObjectId oid = MoodDocuments.objectId(id);
        Bson withToken = and(eq(MoodDocuments.ID, oid), eq(MoodDocuments.SYNC_TOKEN, token));
        List<Bson> done = new ArrayList<>(3);
        rkey.ifPresent(k -> done.add(Updates.set(MoodDocuments.RKEY, k.value())));
        done.add(cid.isPresent() ? Updates.set(MoodDocuments.RKEY_CID, cid.get().toString())
                : Updates.unset(MoodDocuments.RKEY_CID));
        done.add(Updates.unset(MoodDocuments.SYNC));
        if (linkingUpdate("completeSync", oid, withToken, Updates.combine(done)).getMatchedCount() > 0) {
            return true;
        }
        rkey.ifPresent(k -> linkingUpdate("completeSync", oid, eq(MoodDocuments.ID, oid),
                Updates.set(MoodDocuments.RKEY, k.value())));
        releaseLease("completeSync", oid, owner);
        // No marker at all: a newer write completed before this one reported, so this one may have landed after
        // it. Put a marker back so the current state is written again.
        Bson noMarker = and(eq(MoodDocuments.ID, oid), exists(MoodDocuments.SYNC, false), LOOKS_LIKE_A_MOOD);
        Bson live = Updates.set(MoodDocuments.SYNC, MoodDocuments.toDocument(PendingSync.start(
                computer.aesthetic.moodsync.SyncOp.UPDATE, now)));
        Bson gone = Updates.set(MoodDocuments.SYNC, MoodDocuments.toDocument(PendingSync.start(
                computer.aesthetic.moodsync.SyncOp.DELETE, now)));
        if (run("completeSync", () -> moods.updateOne(and(noMarker, ne(MoodDocuments.DELETED, true)), live))
                .getMatchedCount() == 0) {
            run("completeSync", () -> moods.updateOne(and(noMarker, eq(MoodDocuments.DELETED, true)), gone));
        }
        return false;
    }

    /**
     * {@inheritDoc}
     *
     * <p>One unordered {@code bulkWrite} of the token-conditional updates {@link #completeSync} makes first. When
     * every one matched, all are done. Otherwise (a write was superseded, a link conflicted, a legacy
     * {@code atproto: null}, or the bulk write failed) each write is completed again one by one, as
     * {@code completeSync} does: a write the bulk write did record then finds no marker, gets one put back and is
     * reported as not done (written once more), which is the conservative side; no write is reported done that
     * was not recorded.
     */
    @Override
    public Completion.Results completeSyncAll(
            List<Completion> writes, String owner, Instant now) {
        Objects.requireNonNull(writes, "writes");
        Objects.requireNonNull(owner, "owner");
        Objects.requireNonNull(now, "now");
        if (writes.isEmpty()) {
            return new Completion.Results(java.util.Set.of(), Map.of());
        }
        List<UpdateOneModel<Document>> updates = new ArrayList<>(writes.size());
        for (Completion c : writes) {
            List<Bson> done = new ArrayList<>(3);
            c.rkey().ifPresent(k -> done.add(Updates.set(MoodDocuments.RKEY, k.value())));
            done.add(c.cid().isPresent() ? Updates.set(MoodDocuments.RKEY_CID, c.cid().get().toString())
                    : Updates.unset(MoodDocuments.RKEY_CID));
            done.add(Updates.unset(MoodDocuments.SYNC));
            updates.add(new UpdateOneModel<>(and(eq(MoodDocuments.ID, MoodDocuments.objectId(c.id())),
                    eq(MoodDocuments.SYNC_TOKEN, c.token())), Updates.combine(done)));
        }
        try {
            BulkWriteResult result = moods.bulkWrite(updates, new BulkWriteOptions().ordered(false));
            if (result.getMatchedCount() == writes.size()) {
                return new Completion.Results(
                        writes.stream().map(Completion::id)
                                .collect(java.util.stream.Collectors.toSet()), Map.of());
            }
        } catch (MongoException e) {
            LOG.debug("bulk completion of {} writes failed; completing them one by one: {}", writes.size(),
                    e.toString());
        }
        return MoodStore.super.completeSyncAll(writes, owner, now);
    }

    /**
     * Runs an update that may set {@code atproto.*}: a legacy {@code atproto: null} cannot take a field (a real
     * MongoDB refuses {@code $set} inside null), so it is removed first and the update retried once.
     */
    private UpdateResult linkingUpdate(String operation, ObjectId oid, Bson filter, Bson update) {
        try {
            return moods.updateOne(filter, update);
        } catch (MongoException e) {
            if (Errors.isDuplicateKey(e)) {
                throw new StoreConflictException(operation, "the record key is linked to another mood (mood "
                        + oid.toHexString() + ")", e);
            }
            long nulled = run(operation, () -> moods.updateOne(and(eq(MoodDocuments.ID, oid),
                    type(MoodDocuments.ATPROTO, "null")), Updates.unset(MoodDocuments.ATPROTO))).getModifiedCount();
            if (nulled == 0) {
                throw Errors.wrap(operation, e);
            }
            return run(operation, () -> moods.updateOne(filter, update));
        }
    }

    private void releaseLease(String operation, ObjectId oid, String owner) {
        run(operation, () -> moods.updateOne(and(eq(MoodDocuments.ID, oid), eq(MoodDocuments.SYNC_LEASE_OWNER, owner)),
                noLease()));
    }

    @Override
    public boolean reschedule(MoodId id, long token, String owner, int attempts, Instant nextAttemptAt,
            String lastError, boolean park) {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(owner, "owner");
        Objects.requireNonNull(nextAttemptAt, "nextAttemptAt");
        Objects.requireNonNull(lastError, "lastError");
        if (attempts < 0) {
            throw new IllegalArgumentException("attempts must be >= 0, found " + attempts);
        }
        ObjectId oid = MoodDocuments.objectId(id);
        Bson update = Updates.combine(
                Updates.set(MoodDocuments.SYNC_ATTEMPTS, attempts),
                Updates.set(MoodDocuments.SYNC_NEXT, Date.from(nextAttemptAt)),
                Updates.set(MoodDocuments.SYNC_ERROR, lastError),
                park ? Updates.set(MoodDocuments.SYNC_FAILED, true) : Updates.unset(MoodDocuments.SYNC_FAILED),
                noLease());
        Bson filter = and(eq(MoodDocuments.ID, oid), eq(MoodDocuments.SYNC_TOKEN, token),
                or(eq(MoodDocuments.SYNC_LEASE_OWNER, owner), eq(MoodDocuments.SYNC_LEASE_OWNER, null)));
        if (run("reschedule", () -> moods.updateOne(filter, update)).getMatchedCount() > 0) {
            return true;
        }
        releaseLease("reschedule", oid, owner);
        return false;
    }

    /**
     * {@inheritDoc}
     *
     * <p>A batch at a time: one sorted query for the due work (a second one, of the users chosen from it only, when
     * the first page was full and, for a one-user claim, mixed users), one {@code updateMany} that leases the moods
     * found, each only while it still carries the
     * marker token that was read and no live lease (judged by {@code $$NOW}), tagged with a random claim id; and one
     * look-up by {@code _id} of the documents that carry the tag, which are exactly the ones claimed. A mood taken
     * by another worker in between is simply not in the result; when every mood found was taken, it tries again.
     */
    @Override
    public List<Mood> claimDue(Claim claim) {
        Objects.requireNonNull(claim, "claim");
        Date now = Date.from(claim.now());
        Bson due = and(
                exists(MoodDocuments.SYNC),
                ne(MoodDocuments.SYNC_FAILED, true),
                lte(MoodDocuments.SYNC_NEXT, now),
                LEASE_FREE);
        Bson order = Sorts.ascending(MoodDocuments.SYNC_NEXT, MoodDocuments.ID);
        for (int attempt = 0; attempt < 5; attempt++) {
            Optional<UserId> user = claim.user();
            List<Document> page = run("claimDue", () -> moods.find(claim.user().isPresent()
                    ? and(due, eq(MoodDocuments.USER, claim.user().get().value())) : due)
                    .sort(order).limit(claim.max()).into(new ArrayList<>()));
            if (page.isEmpty()) {
                return List.of();
            }
            List<Mood> found = new ArrayList<>(page.size());
            Set<UserId> users = new LinkedHashSet<>();
            for (Document d : page) {
                MoodDocuments.Read read = MoodDocuments.read(d);
                if (read.mood().isEmpty()) {
                    park(d, read.malformed().get(), "claimDue");
                    continue;
                }
                Mood m = read.mood().get();
                if (user.isEmpty()) {
                    user = Optional.of(m.user());
                }
                if (claim.maxUsers() > 1) {
                    // up to maxUsers users, chosen by their oldest due work
                    if (users.contains(m.user()) || users.size() < claim.maxUsers()) {
                        users.add(m.user());
                        found.add(m);
                    }
                } else if (m.user().equals(user.get())) {
                    found.add(m);
                }
            }
            if (claim.maxUsers() > 1 && page.size() == claim.max() && users.size() > 0) {
                // then all their due work (at most max): the page holds only their oldest when others' is older
                List<String> chosen = users.stream().map(UserId::value).toList();
                found = run("claimDue", () -> moods.find(and(due, in(MoodDocuments.USER, chosen))).sort(order)
                        .limit(claim.max()).into(new ArrayList<>())).stream().map(MoodDocuments::read)
                        .flatMap(r -> r.mood().stream()).toList();
            }
            if (user.isEmpty()) {
                continue; // the page was all malformed documents, now parked
            }
            if (found.size() < claim.max() && page.size() == claim.max() && claim.user().isEmpty()
                    && claim.maxUsers() == 1) {
                UserId u = user.get();
                found = run("claimDue", () -> moods.find(and(due, eq(MoodDocuments.USER, u.value()))).sort(order)
                        .limit(claim.max()).into(new ArrayList<>())).stream().map(MoodDocuments::read)
                        .flatMap(r -> r.mood().stream()).toList();
            }
            if (found.isEmpty()) {
                continue;
            }
            List<Mood> claimed = lease(found, claim);
            if (!claimed.isEmpty()) {
                return claimed;
            }
        }
        return List.of();
    }

    /** Leases the moods found, each while it still has the marker read and no live lease; returns those leased. */
    private List<Mood> lease(List<Mood> found, Claim claim) {
        List<Bson> sameMarker = new ArrayList<>(found.size());
        List<ObjectId> ids = new ArrayList<>(found.size());
        for (Mood m : found) {
            ObjectId oid = MoodDocuments.objectId(m.id());
            ids.add(oid);
            sameMarker.add(and(eq(MoodDocuments.ID, oid), eq(MoodDocuments.SYNC_TOKEN, m.pending().orElseThrow()
                    .token())));
        }
        String tag = java.util.UUID.randomUUID().toString();
        Bson filter = and(in(MoodDocuments.ID, ids), or(sameMarker), ne(MoodDocuments.SYNC_FAILED, true), LEASE_FREE);
        Bson update = takeLease(claim.owner(), claim.lease().toMillis(), Optional.of(tag));
        long leased = run("claimDue", () -> moods.updateMany(filter, update)).getModifiedCount();
        if (leased == 0) {
            return List.of();
        }
        List<Mood> claimed = new ArrayList<>((int) leased);
        for (Document d : run("claimDue", () -> moods.find(and(in(MoodDocuments.ID, ids),
                eq(MoodDocuments.SYNC_LEASE_CLAIM, tag))).sort(Sorts.ascending(MoodDocuments.SYNC_NEXT,
                        MoodDocuments.ID)).into(new ArrayList<>()))) {
            MoodDocuments.Read read = MoodDocuments.read(d);
            if (read.mood().isEmpty()) {
                park(d, read.malformed().get(), "claimDue");
            } else {
                claimed.add(read.mood().get());
            }
        }
        return claimed;
    }

    /** Parks pending work on a document that cannot be read, so that it is not claimed again and again. */
    private void park(Document d, MalformedMood problem, String operation) {
        LOG.warn("parking pending sync of malformed mood document {}: {}", problem.id(), problem.problem());
        Bson update = Updates.combine(Updates.set(MoodDocuments.SYNC_FAILED, true),
                Updates.set(MoodDocuments.SYNC_ERROR, "malformed mood document: " + problem.problem()), noLease());
        run(operation, () -> moods.updateOne(eq(MoodDocuments.ID, d.get(MoodDocuments.ID)), update));
    }

    /** {@inheritDoc} One {@code updateOne} whose filter is the expected state and the absence of a marker. */
    @Override
    public boolean applyIngested(MoodId id, String expectedText, boolean expectedDeleted, String text,
            boolean deleted, Optional<computer.aesthetic.moodsync.data.Cid> recordCid) {
        Objects.requireNonNull(recordCid, "recordCid");
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(expectedText, "expectedText");
        Objects.requireNonNull(text, "text");
        Bson filter = and(eq(MoodDocuments.ID, MoodDocuments.objectId(id)), eq(MoodDocuments.TEXT, expectedText),
                expectedDeleted ? eq(MoodDocuments.DELETED, true) : ne(MoodDocuments.DELETED, true),
                exists(MoodDocuments.SYNC, false), exists(MoodDocuments.RKEY, true));
        Bson cidUpdate = recordCid.isPresent() ? Updates.set(MoodDocuments.RKEY_CID, recordCid.get().toString())
                : Updates.unset(MoodDocuments.RKEY_CID);
        Bson update = Updates.combine(Updates.set(MoodDocuments.TEXT, text),
                deleted ? Updates.set(MoodDocuments.DELETED, true) : Updates.unset(MoodDocuments.DELETED), cidUpdate);
        try {
            return moods.updateOne(filter, update).getMatchedCount() > 0;
        } catch (MongoException e) {
            throw Errors.wrap("applyIngested", e);
        }
    }

    @Override
    public void setLink(MoodId id, Optional<RecordKey> rkey) {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(rkey, "rkey");
        ObjectId oid = MoodDocuments.objectId(id);
        // a relink forgets the recorded CID: the next writer learns it from the PDS
        Bson update = rkey.isPresent() ? Updates.combine(Updates.set(MoodDocuments.RKEY, rkey.get().value()),
                Updates.unset(MoodDocuments.RKEY_CID)) : Updates.combine(Updates.unset(MoodDocuments.RKEY),
                        Updates.unset(MoodDocuments.RKEY_CID));
        UpdateResult result;
        try {
            result = linkingUpdate("setLink", oid, eq(MoodDocuments.ID, oid), update);
        } catch (StoreConflictException e) {
            throw new StoreConflictException("setLink", "record key " + rkey.get().value()
                    + " is linked to another mood (linking mood " + id + ")", e.getCause());
        }
        if (result.getMatchedCount() == 0) {
            throw new NoSuchMoodException(id);
        }
        if (rkey.isEmpty()) {
            // Leave no empty "atproto: {}" behind: an unlinked mood looks like one that was never linked.
            run("setLink", () -> moods.updateOne(and(eq(MoodDocuments.ID, oid), eq(MoodDocuments.ATPROTO,
                    new Document())), Updates.unset(MoodDocuments.ATPROTO)));
        }
    }

    /**
     * {@inheritDoc}
     *
     * <p>One unordered bulk write; when any link fails (a duplicate key, a missing mood), every link of the call is
     * set again one by one to name the failures exactly (setting a link twice is harmless).
     */
    @Override
    public Map<MoodId, String> setLinks(Map<MoodId, RecordKey> links) {
        Objects.requireNonNull(links, "links");
        if (links.isEmpty()) {
            return Map.of();
        }
        List<UpdateOneModel<Document>> updates = new ArrayList<>(links.size());
        links.forEach((id, rkey) -> updates.add(new UpdateOneModel<>(eq(MoodDocuments.ID, MoodDocuments.objectId(id)),
                Updates.combine(Updates.set(MoodDocuments.RKEY, rkey.value()), Updates.unset(MoodDocuments.RKEY_CID)))));
        try {
            BulkWriteResult result = moods.bulkWrite(updates, new BulkWriteOptions().ordered(false));
            if (result.getMatchedCount() == links.size()) {
                return Map.of();
            }
        } catch (MongoBulkWriteException e) {
            // fall through: find out which ones failed, one by one
        } catch (MongoException e) {
            throw Errors.wrap("setLinks", e);
        }
        return MoodStore.super.setLinks(links);
    }

    @Override
    public long deleteAllOf(UserId user) {
        Objects.requireNonNull(user, "user");
        return run("deleteAllOf", () -> moods.deleteMany(eq(MoodDocuments.USER, user.value()))).getDeletedCount();
    }

    /**
     * {@inheritDoc}
     *
     * <p>Three steps, each atomic on its documents: an upsert of the user's state document that sets
     * {@code erasedSince} ({@code $min}, so the first time is kept and a hold in the same document is untouched),
     * one {@code updateMany} that unsets {@code atprotoSync} on the user's moods whose lease is absent
     * or expired, and one query for the latest live lease. The tombstone survives {@link #deleteAllOf}.
     */
    @Override
    public Optional<Instant> fenceUser(UserId user, Instant now) {
        Objects.requireNonNull(user, "user");
        Objects.requireNonNull(now, "now");
        Date at = Date.from(now);
        run("fenceUser", () -> users.updateOne(eq(MoodDocuments.ID, user.value()), Updates.min(ERASED_SINCE, at),
                new com.mongodb.client.model.UpdateOptions().upsert(true)));
        run("fenceUser", () -> moods.updateMany(and(eq(MoodDocuments.USER, user.value()), exists(MoodDocuments.SYNC),
                LEASE_FREE), Updates.unset(MoodDocuments.SYNC)));
        // The live leases (judged by the server's clock), few per user: their latest end, in the server's time.
        Instant latest = null;
        for (Document d : run("fenceUser", () -> moods.find(and(eq(MoodDocuments.USER, user.value()),
                exists(MoodDocuments.SYNC), LEASE_LIVE)).projection(Projections.include(MoodDocuments.SYNC))
                .into(new ArrayList<>()))) {
            Document s = d.get(MoodDocuments.SYNC, Document.class);
            Instant end = now;
            if (s.get("leaseAt") instanceof Date leaseAt && s.get("leaseMillis") instanceof Number ms) {
                end = leaseAt.toInstant().plusMillis(ms.longValue());
            } else if (s.get("leaseUntil") instanceof Date until) {
                end = until.toInstant();
            }
            latest = latest == null || end.isAfter(latest) ? end : latest;
        }
        return Optional.ofNullable(latest);
    }

    @Override
    public Optional<Instant> fencedSince(UserId user) {
        return userState(user).erasedSince();
    }

    /**
     * {@inheritDoc}
     *
     * <p>One read of the user's state document.
     */
    @Override
    public UserState userState(UserId user) {
        Objects.requireNonNull(user, "user");
        Document d = run("userState", () -> users.find(eq(MoodDocuments.ID, user.value())).first());
        return d == null ? UserState.CLEAR : userState(d);
    }

    private static UserState userState(Document d) {
        Optional<Instant> erased = Optional.empty();
        if (d.containsKey(ERASED_SINCE)) {
            // A tombstone whatever its value: a time that cannot be read does not lift the fence.
            erased = Optional.of(d.get(ERASED_SINCE) instanceof Date since ? since.toInstant() : Instant.EPOCH);
        }
        Optional<AccountHold> hold = Optional.empty();
        if (d.get(HOLD) instanceof Document h) {
            String status = h.get("status") instanceof String st && !st.isBlank() ? st : "inactive";
            Instant since = h.get("since") instanceof Date at ? at.toInstant() : Instant.EPOCH;
            hold = Optional.of(new AccountHold(status, since));
        } else if (d.containsKey(HOLD)) {
            hold = Optional.of(new AccountHold("inactive", Instant.EPOCH)); // unreadable: still held
        }
        return new UserState(erased, hold);
    }

    /**
     * {@inheritDoc}
     *
     * <p>One {@code findOneAndUpdate} upsert of the user's state document: {@code $set} of the hold's status,
     * {@code $min} of its time (so the first time is kept); the document as it was tells whether a hold existed.
     */
    @Override
    public boolean holdAccount(UserId user, String status, Instant now) {
        Objects.requireNonNull(user, "user");
        Objects.requireNonNull(status, "status");
        Objects.requireNonNull(now, "now");
        Document before = run("holdAccount", () -> users.findOneAndUpdate(eq(MoodDocuments.ID, user.value()),
                Updates.combine(Updates.set(HOLD + ".status", status), Updates.min(HOLD + ".since", Date.from(now))),
                new FindOneAndUpdateOptions().upsert(true).returnDocument(ReturnDocument.BEFORE)));
        return before == null || !before.containsKey(HOLD);
    }

    @Override
    public Optional<AccountHold> accountHold(UserId user) {
        return userState(user).hold();
    }

    /**
     * {@inheritDoc}
     *
     * <p>One {@code updateMany} of the user's unparked markers whose lease is absent or expired (judged by the
     * server's clock): {@code nextAttemptAt = now}, expired lease fields removed, token and attempts unchanged.
     */
    @Override
    public int makeDue(UserId user, String owner, Instant now) {
        Objects.requireNonNull(user, "user");
        Objects.requireNonNull(owner, "owner");
        Objects.requireNonNull(now, "now");
        return (int) run("makeDue", () -> moods.updateMany(and(eq(MoodDocuments.USER, user.value()),
                exists(MoodDocuments.SYNC), ne(MoodDocuments.SYNC_FAILED, true), LEASE_FREE),
                Updates.combine(Updates.set(MoodDocuments.SYNC_NEXT, Date.from(now)),
                        Updates.set(MoodDocuments.SYNC_ERROR, "the account is active again"), noLease())))
                .getModifiedCount();
    }

    @Override
    public boolean releaseAccount(UserId user) {
        Objects.requireNonNull(user, "user");
        return lift(user, HOLD, ERASED_SINCE, "releaseAccount");
    }

    @Override
    public boolean unfenceUser(UserId user) {
        Objects.requireNonNull(user, "user");
        return lift(user, ERASED_SINCE, HOLD, "unfenceUser");
    }

    /**
     * Removes {@code field} from the user's state document: the whole document when it holds nothing else (so
     * lifted states leave no empty documents), else the field alone. True when the field was there.
     */
    private boolean lift(UserId user, String field, String other, String operation) {
        if (run(operation, () -> users.deleteOne(and(eq(MoodDocuments.ID, user.value()), exists(field),
                exists(other, false)))).getDeletedCount() > 0) {
            return true;
        }
        return run(operation, () -> users.updateOne(and(eq(MoodDocuments.ID, user.value()), exists(field)),
                Updates.unset(field))).getModifiedCount() > 0;
    }

    private static Optional<Mood> readOrSkip(Document d) {
        MoodDocuments.Read read = MoodDocuments.read(d);
        read.malformed().ifPresent(m -> LOG.debug("skipping malformed mood document {}: {}", m.id(), m.problem()));
        return read.mood();
    }

    private static <T> T run(String operation, Supplier<T> call) {
        try {
            return call.get();
        } catch (MongoException e) {
            throw Errors.wrap(operation, e);
        }
    }

    @Override
    public String toString() {
        return "MongoMoodStore[" + namespace() + "]";
    }
}
