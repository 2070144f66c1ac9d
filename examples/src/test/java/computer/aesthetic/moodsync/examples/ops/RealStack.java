package computer.aesthetic.moodsync.examples.ops;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.MongoDatabase;
import computer.aesthetic.moodsync.Mood;
import computer.aesthetic.moodsync.UserId;
import computer.aesthetic.moodsync.examples.shell.Ops;
import computer.aesthetic.moodsync.mongo.embedded.EmbeddedMongo;
import computer.aesthetic.moodsync.pds.PdsAtprotoRepo;
import computer.aesthetic.moodsync.pds.testing.ReferencePds;
import computer.aesthetic.moodsync.record.MoodRecord;
import computer.aesthetic.moodsync.record.MoodRecords;
import computer.aesthetic.moodsync.spi.Account;
import computer.aesthetic.moodsync.spi.AccountDirectory;
import computer.aesthetic.moodsync.spi.MoodStore;
import computer.aesthetic.moodsync.spi.RepoRecord;
import computer.aesthetic.moodsync.spi.RepoWrite;
import computer.aesthetic.moodsync.spi.Secret;
import computer.aesthetic.moodsync.syntax.Did;
import computer.aesthetic.moodsync.syntax.Handle;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.UUID;
import java.util.jar.JarFile;
import java.util.jar.Manifest;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.bson.Document;

/**
 * The real stack for the operations ITs: an embedded MongoDB (mongo-java-server on a TCP port, so child processes
 * can connect too) and the shared reference PDS, with a PDS client that knows the PDS's test accounts (to seed and
 * wipe repositories without going through the host's {@code users}).
 */
final class RealStack implements AutoCloseable {
    final ReferencePds pds;
    final EmbeddedMongo mongo;
    final MongoClient client;
    /** A client that knows the test accounts' passwords: for seeding and wiping. */
    final PdsAtprotoRepo admin;

    RealStack(ReferencePds pds) {
        this.pds = pds;
        this.mongo = EmbeddedMongo.start();
        this.client = MongoClients.create(mongo.connectionString());
        this.admin = PdsAtprotoRepo.builder().accounts(new TestAccounts(pds)).defaultPds(pds.url())
                .backoff(Duration.ofMillis(50), Duration.ofMillis(500)).build();
    }

    /** A fresh database name. */
    static String freshDb() {
        return "ops_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
    }

    /** Settings for {@link Ops#connect} on a database. */
    Map<String, String> settings(String db) {
        Map<String, String> m = new HashMap<>();
        m.put(Ops.MONGO_URI, mongo.connectionString());
        m.put(Ops.MONGO_DB, db);
        m.put(Ops.PDS_URL, pds.url());
        return m;
    }

    /** The origin's users document for a host user with an ATProto account of the PDS. */
    void addUser(String db, UserId user, ReferencePds.Account account) {
        client.getDatabase(db).getCollection("users").insertOne(new Document("_id", user.value())
                .append("atproto", new Document("did", account.did()).append("handle", account.handle())
                        .append("password", account.password())));
    }

    /** A host user without an ATProto account. */
    void addUserWithoutAccount(String db, UserId user) {
        client.getDatabase(db).getCollection("users").insertOne(new Document("_id", user.value())
                .append("email", "nobody@example.com"));
    }

    /** The host's handle of a user ({@code @handles}). */
    void addHandle(String db, UserId user, String handle) {
        client.getDatabase(db).getCollection("@handles").insertOne(new Document("_id", user.value())
                .append("handle", handle));
    }

    MongoDatabase db(String name) {
        return client.getDatabase(name);
    }

    static Did did(ReferencePds.Account account) {
        return Did.parse(account.did());
    }

    /** Writes records with applyWrites creates, 200 per call. */
    void create(Did did, Map<String, Map<String, Object>> byRkey) {
        List<RepoWrite> writes = new ArrayList<>();
        byRkey.forEach((rkey, value) -> writes.add(new RepoWrite.Create(MoodRecords.COLLECTION,
                computer.aesthetic.moodsync.syntax.RecordKey.parse(rkey), value)));
        for (int i = 0; i < writes.size(); i += 200) {
            admin.applyWrites(did, writes.subList(i, Math.min(writes.size(), i + 200)));
        }
    }

    /** Deletes every record of the mood collection in a repository. */
    void wipe(Did did) {
        List<RepoWrite> deletes;
        try (Stream<RepoRecord> s = admin.listAll(did, MoodRecords.COLLECTION)) {
            deletes = s.<RepoWrite>map(r -> new RepoWrite.Delete(MoodRecords.COLLECTION, r.rkey())).toList();
        }
        for (int i = 0; i < deletes.size(); i += 200) {
            admin.applyWrites(did, deletes.subList(i, Math.min(deletes.size(), i + 200)));
        }
    }

    List<RepoRecord> records(Did did) {
        try (Stream<RepoRecord> s = admin.listAll(did, MoodRecords.COLLECTION)) {
            return s.toList();
        }
    }

    /** A repository's records as rkey -> CID. */
    Map<String, String> recordState(Did did) {
        return records(did).stream().collect(Collectors.toMap(r -> r.rkey().value(), r -> r.cid().toString(),
                (a, b) -> a, TreeMap::new));
    }

    /** How many records name each mood (by ref or mongoId); undecodable records are left out. */
    Map<String, Integer> recordsPerMood(Did did) {
        Map<String, Integer> m = new TreeMap<>();
        for (RepoRecord r : records(did)) {
            MoodRecords.tryDecode(r.value()).flatMap(MoodRecord::ref)
                    .ifPresent(id -> m.merge(id.value(), 1, Integer::sum));
        }
        return m;
    }

    /** A user's moods as the store has them. */
    static List<Mood> moods(MoodStore store, UserId user) {
        try (Stream<Mood> s = store.listByUser(user)) {
            return s.toList();
        }
    }

    /**
     * The test JVM's class path, for a child JVM: surefire/failsafe may hand the JVM a manifest-only jar, whose
     * {@code Class-Path} is expanded here.
     */
    static String classPath() {
        String cp = System.getProperty("java.class.path");
        String[] parts = cp.split(java.io.File.pathSeparator);
        if (parts.length == 1 && parts[0].endsWith(".jar")) {
            try (JarFile jar = new JarFile(parts[0])) {
                Manifest mf = jar.getManifest();
                String manifestCp = mf == null ? null : mf.getMainAttributes().getValue("Class-Path");
                if (manifestCp != null && !manifestCp.isBlank()) {
                    Path base = Path.of(parts[0]).toAbsolutePath().getParent();
                    List<String> entries = new ArrayList<>();
                    for (String e : manifestCp.trim().split("\\s+")) {
                        URI uri = base.toUri().resolve(e);
                        entries.add(Path.of(uri).toString());
                    }
                    return String.join(java.io.File.pathSeparator, entries);
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return cp;
    }

    /** The java launcher of the running JVM. */
    static String javaBin() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    @Override
    public void close() {
        try {
            client.close();
        } finally {
            mongo.close();
        }
    }

    /** The reference PDS's test accounts, by DID, with their passwords. */
    static final class TestAccounts implements AccountDirectory {
        private final Map<Did, Account> byDid = new HashMap<>();

        TestAccounts(ReferencePds pds) {
            for (ReferencePds.Account a : pds.accounts()) {
                byDid.put(Did.parse(a.did()), new Account(Did.parse(a.did()), Optional.of(Handle.parse(a.handle())),
                        Optional.empty(), Optional.of(Secret.of(a.password()))));
            }
        }

        @Override
        public Optional<Account> findByUser(UserId user) {
            return Optional.empty();
        }

        @Override
        public Optional<Account> findByDid(Did did) {
            return Optional.ofNullable(byDid.get(did));
        }

        @Override
        public Optional<UserId> userOf(Did did) {
            return Optional.empty();
        }
    }
}
