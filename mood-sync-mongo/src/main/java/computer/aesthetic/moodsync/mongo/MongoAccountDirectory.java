package computer.aesthetic.moodsync.mongo;

import static com.mongodb.client.model.Filters.eq;
import static com.mongodb.client.model.Filters.or;

import com.mongodb.MongoClientSettings;
import com.mongodb.MongoException;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.MongoCursor;
import com.mongodb.client.MongoDatabase;
import computer.aesthetic.moodsync.StoreException;
import computer.aesthetic.moodsync.UserId;
import computer.aesthetic.moodsync.mongo.internal.Errors;
import computer.aesthetic.moodsync.mongo.internal.MoodDocuments;
import computer.aesthetic.moodsync.spi.Account;
import computer.aesthetic.moodsync.spi.AccountDirectory;
import computer.aesthetic.moodsync.spi.Secret;
import computer.aesthetic.moodsync.syntax.Did;
import computer.aesthetic.moodsync.syntax.Handle;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Supplier;
import org.bson.Document;
import org.bson.conversions.Bson;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An {@link AccountDirectory} over the origin system's {@code users} and {@code @handles} collections.
 *
 * <h2>Schema (read-only)</h2>
 * <ul>
 *   <li>{@code users}: {@code {_id: "auth0|...", atproto: {did, handle, password}}}, or the older flat fields
 *       {@code {_id, atproto_did, atproto_handle, atproto_password}}. The nested form wins when it has a
 *       {@code did}. A user without a DID has no account (empty, never an error). A DID that is not a valid DID
 *       also yields empty, with a warning in the log (which never contains the password). An invalid handle is
 *       left out of the account. Passwords are wrapped in a {@link Secret} as soon as they are read.</li>
 *   <li>{@code @handles}: {@code {_id: "auth0|...", handle: "jeffrey"}}, the host's own handle stored without
 *       {@code @} (not necessarily an ATProto handle); see {@link #findUserByHandle}.</li>
 * </ul>
 * A DID claimed by more than one user is treated as owned by nobody ({@link #findByDid} and {@link #userOf} return
 * empty and log a warning), so work is never done on a repository with another user's credentials. Look-ups by
 * DID query {@code atproto.did} and {@code atproto_did}; an index on them is the host's choice (this class creates
 * none and never writes).
 *
 * <p>No caching: every look-up reads the database, so a changed password is seen at once. Instances are immutable
 * and thread-safe. Failures are {@link StoreException}s naming the operation.
 */
public final class MongoAccountDirectory implements AccountDirectory {
    private static final Logger LOG = LoggerFactory.getLogger(MongoAccountDirectory.class);
    /** The default users collection. */
    public static final String DEFAULT_USERS = "users";
    /** The default handles collection. */
    public static final String DEFAULT_HANDLES = "@handles";

    private final MongoCollection<Document> users;
    private final MongoCollection<Document> handles;

    private MongoAccountDirectory(MongoCollection<Document> users, MongoCollection<Document> handles) {
        this.users = users;
        this.handles = handles;
    }

    /**
     * Starts building a directory on the host's database.
     *
     * @param database the host's database
     * @return a builder
     */
    public static Builder builder(MongoDatabase database) {
        return new Builder(database);
    }

    /** Builds a {@link MongoAccountDirectory}. Not thread-safe; the built directory is. */
    public static final class Builder {
        private final MongoDatabase database;
        private String users = DEFAULT_USERS;
        private String handles = DEFAULT_HANDLES;

        private Builder(MongoDatabase database) {
            this.database = Objects.requireNonNull(database, "database");
        }

        /**
         * Sets the users collection.
         *
         * @param name the collection name; default {@value MongoAccountDirectory#DEFAULT_USERS}
         * @return this builder
         */
        public Builder usersCollection(String name) {
            this.users = Objects.requireNonNull(name, "usersCollection");
            return this;
        }

        /**
         * Sets the handles collection.
         *
         * @param name the collection name; default {@value MongoAccountDirectory#DEFAULT_HANDLES}
         * @return this builder
         */
        public Builder handlesCollection(String name) {
            this.handles = Objects.requireNonNull(name, "handlesCollection");
            return this;
        }

        /**
         * Builds the directory. Touches no database.
         *
         * @return the directory
         * @throws IllegalArgumentException if a collection name is invalid (the message names the property)
         */
        public MongoAccountDirectory build() {
            MongoMoodStore.validateCollectionName("usersCollection", users);
            MongoMoodStore.validateCollectionName("handlesCollection", handles);
            return new MongoAccountDirectory(
                    database.getCollection(users).withCodecRegistry(MongoClientSettings.getDefaultCodecRegistry()),
                    database.getCollection(handles).withCodecRegistry(MongoClientSettings.getDefaultCodecRegistry()));
        }
    }

    @Override
    public Optional<Account> findByUser(UserId user) {
        Objects.requireNonNull(user, "user");
        Document d = run("findByUser", () -> users.find(eq("_id", user.value())).first());
        return d == null ? Optional.empty() : account(d);
    }

    @Override
    public Optional<Account> findByDid(Did did) {
        Objects.requireNonNull(did, "did");
        return ownerOf("findByDid", did).flatMap(this::account);
    }

    @Override
    public Optional<UserId> userOf(Did did) {
        Objects.requireNonNull(did, "did");
        return ownerOf("userOf", did).flatMap(d -> d.get("_id") instanceof String id ? UserId.tryParse(id)
                : Optional.empty());
    }

    /**
     * Finds the host user who holds a handle in the {@code @handles} collection.
     *
     * @param handle the handle, with or without a leading {@code @} (e.g. {@code "@jeffrey"} or {@code "jeffrey"});
     *     matched exactly otherwise
     * @return the user, or empty when no user has the handle
     * @throws StoreException if the look-up failed (operation {@code "findUserByHandle"})
     */
    public Optional<UserId> findUserByHandle(String handle) {
        Objects.requireNonNull(handle, "handle");
        String bare = handle.startsWith("@") ? handle.substring(1) : handle;
        if (bare.isBlank()) {
            return Optional.empty();
        }
        Document d = run("findUserByHandle", () -> handles.find(eq("handle", bare)).first());
        return d != null && d.get("_id") instanceof String id ? UserId.tryParse(id) : Optional.empty();
    }

    /**
     * Finds the handle a host user holds in the {@code @handles} collection.
     *
     * @param user the host user
     * @return the handle without {@code @}, or empty when the user has none
     * @throws StoreException if the look-up failed (operation {@code "handleOf"})
     */
    public Optional<String> handleOf(UserId user) {
        Objects.requireNonNull(user, "user");
        Document d = run("handleOf", () -> handles.find(eq("_id", user.value())).first());
        return d != null && d.get("handle") instanceof String h && !h.isBlank() ? Optional.of(h) : Optional.empty();
    }

    /** Finds the one user document whose DID is {@code did}; empty when none or more than one. */
    private Optional<Document> ownerOf(String operation, Did did) {
        Bson filter = or(eq("atproto.did", did.value()), eq("atproto_did", did.value()));
        List<Document> found = run(operation, () -> {
            // No limit before the check: a matched document may not own the DID (its flat field names it while its
            // nested DID, which wins, is another), and such stale documents must not hide a second owner. Read
            // until two real owners are found.
            List<Document> owners = new ArrayList<>(2);
            try (MongoCursor<Document> cursor = users.find(filter).batchSize(16).iterator()) {
                while (owners.size() < 2 && cursor.hasNext()) {
                    Document d = cursor.next();
                    if (did.value().equals(rawDid(d).orElse(null))) {
                        owners.add(d);
                    }
                }
            }
            return owners;
        });
        if (found.size() > 1) {
            LOG.warn("DID {} is claimed by more than one user ({} and {}); treating it as owned by nobody",
                    did.value(), found.get(0).get("_id"), found.get(1).get("_id"));
            return Optional.empty();
        }
        return found.stream().findFirst();
    }

    private static Optional<String> rawDid(Document d) {
        Object nested = d.get("atproto") instanceof Document a ? a.get("did") : null;
        Object did = nested != null ? nested : d.get("atproto_did");
        return did instanceof String s ? Optional.of(s) : Optional.empty();
    }

    private Optional<Account> account(Document d) {
        Object id = d.get("_id");
        Document nested = d.get("atproto") instanceof Document a && a.get("did") != null ? a : null;
        Object rawDid = nested != null ? nested.get("did") : d.get("atproto_did");
        Object rawHandle = nested != null ? nested.get("handle") : d.get("atproto_handle");
        Object rawPassword = nested != null ? nested.get("password") : d.get("atproto_password");
        String field = nested != null ? "atproto.did" : "atproto_did";
        if (rawDid == null) {
            return Optional.empty();
        }
        Optional<Did> did = rawDid instanceof String s ? Did.tryParse(s) : Optional.empty();
        if (did.isEmpty()) {
            LOG.warn("user {} has an invalid {} (expected a DID such as did:plc:...), found {}; treating the user "
                    + "as having no ATProto account", id, field, MoodDocuments.describe(rawDid));
            return Optional.empty();
        }
        Optional<Handle> handle = Optional.empty();
        if (rawHandle != null) {
            handle = rawHandle instanceof String s ? Handle.tryParse(s.startsWith("@") ? s.substring(1) : s)
                    : Optional.empty();
            if (handle.isEmpty()) {
                LOG.warn("user {} has an invalid ATProto handle, found {}; leaving it out", id,
                        MoodDocuments.describe(rawHandle));
            }
        }
        Optional<Secret> password = rawPassword instanceof String s && !s.isEmpty() ? Optional.of(Secret.of(s))
                : Optional.empty();
        return Optional.of(new Account(did.get(), handle, Optional.empty(), password));
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
        return "MongoAccountDirectory[" + users.getNamespace().getFullName() + ", "
                + handles.getNamespace().getFullName() + "]";
    }
}
