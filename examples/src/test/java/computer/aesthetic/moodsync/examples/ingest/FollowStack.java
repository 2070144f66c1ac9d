package computer.aesthetic.moodsync.examples.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import com.mongodb.client.MongoDatabase;
import computer.aesthetic.moodsync.Mood;
import computer.aesthetic.moodsync.MoodSyncService;
import computer.aesthetic.moodsync.SyncMode;
import computer.aesthetic.moodsync.UserId;
import computer.aesthetic.moodsync.ingest.Follower;
import computer.aesthetic.moodsync.ingest.IngestChange;
import computer.aesthetic.moodsync.ingest.IngestListener;
import computer.aesthetic.moodsync.mongo.MongoAccountDirectory;
import computer.aesthetic.moodsync.mongo.MongoIngestStateStore;
import computer.aesthetic.moodsync.mongo.MongoMoodStore;
import computer.aesthetic.moodsync.pds.PdsAtprotoRepo;
import computer.aesthetic.moodsync.pds.sync.FirehoseEventSource;
import computer.aesthetic.moodsync.pds.sync.RepoKeys;
import computer.aesthetic.moodsync.pds.testing.ReferencePds;
import computer.aesthetic.moodsync.record.MoodRecords;
import computer.aesthetic.moodsync.spi.RepoRecord;
import computer.aesthetic.moodsync.spi.RepoWrite;
import computer.aesthetic.moodsync.syntax.Did;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;
import okhttp3.HttpUrl;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import org.bson.Document;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

/**
 * The real stack of the follower ITs: MongoDB (MongoMoodStore, MongoIngestStateStore, MongoAccountDirectory), the
 * reference PDS through {@link FirehoseEventSource} and {@link RepoKeys}, and a raw XRPC client that stands in for
 * another ATProto client editing the user's repository.
 */
final class FollowStack implements AutoCloseable {
    static final String SOURCE = "reference-pds";
    static final Duration WAIT = Duration.ofSeconds(60);

    final MongoDatabase db;
    final ReferencePds pds;
    final OkHttpClient http = new OkHttpClient.Builder().callTimeout(Duration.ofSeconds(30)).build();
    final MongoMoodStore store;
    final MongoAccountDirectory accounts;
    final MongoIngestStateStore state;
    final PdsAtprotoRepo repo;
    final MoodSyncService service;

    FollowStack(MongoDatabase db, ReferencePds pds) {
        this.db = db;
        this.pds = pds;
        this.store = MongoMoodStore.builder(db).build();
        this.accounts = MongoAccountDirectory.builder(db).build();
        this.state = MongoIngestStateStore.builder(db).build();
        this.repo = PdsAtprotoRepo.builder().accounts(accounts).defaultPds(pds.url())
                .backoff(Duration.ofMillis(50), Duration.ofMillis(500)).readTimeout(Duration.ofSeconds(20))
                .callTimeout(Duration.ofSeconds(30)).build();
        this.service = MoodSyncService.builder().store(store).repo(repo).accounts(accounts).mode(SyncMode.INLINE)
                .startWorker(false).instanceId("it").build();
    }

    /** Binds one of the PDS's accounts to an origin user ({@code users} document) and wipes its mood records. */
    UserId user(ReferencePds.Account a) {
        String id = "auth0|" + a.handle().replace(".test", "");
        db.getCollection(MongoAccountDirectory.DEFAULT_USERS).insertOne(new Document("_id", id)
                .append("atproto", new Document("did", a.did()).append("handle", a.handle())
                        .append("password", a.password())));
        Did did = Did.parse(a.did());
        List<RepoWrite> deletes;
        try (Stream<RepoRecord> all = repo.listAll(did, MoodRecords.COLLECTION)) {
            deletes = all.map(r -> (RepoWrite) new RepoWrite.Delete(MoodRecords.COLLECTION, r.rkey())).toList();
        }
        for (int i = 0; i < deletes.size(); i += 200) {
            repo.applyWrites(did, deletes.subList(i, Math.min(deletes.size(), i + 200)));
        }
        return new UserId(id);
    }

    /** A follower of the reference PDS on this stack; not started. */
    Follower.Builder follower(FirehoseEventSource source, IngestListener listener) {
        return service.follower().state(state).source(SOURCE, source).listener(listener)
                .authenticator(new RepoKeys(http, pds.plcUrl()).authenticator());
    }

    FirehoseEventSource.Builder source() {
        return FirehoseEventSource.builder().pds(HttpUrl.get(pds.url())).httpClient(http)
                .backoff(Duration.ofMillis(200), Duration.ofSeconds(2));
    }

    List<Mood> moods(UserId user) {
        try (Stream<Mood> s = store.listByUser(user)) {
            return s.toList();
        }
    }

    Optional<Mood> moodAt(UserId user, String rkey) {
        return store.findByRkey(user, computer.aesthetic.moodsync.syntax.RecordKey.parse(rkey));
    }

    @Override
    public void close() {
        service.close();
    }

    static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within " + WAIT.toSeconds() + " s: " + what);
            }
            Thread.sleep(5);
        }
    }

    /**
     * Waits until the follower's counters stand still for a second: the store shows a change before the follower
     * counts and reports it, so a test reads the counters only once they have settled.
     */
    static computer.aesthetic.moodsync.ingest.FollowerStats settled(computer.aesthetic.moodsync.ingest.Follower f)
            throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        computer.aesthetic.moodsync.ingest.FollowerStats last = f.stats();
        while (System.nanoTime() < deadline) {
            Thread.sleep(1000);
            computer.aesthetic.moodsync.ingest.FollowerStats now = f.stats();
            if (now.events() == last.events() && now.applied() == last.applied() && now.echoes() == last.echoes()
                    && now.inFlight() == last.inFlight() && now.resyncs() == last.resyncs()) {
                return now;
            }
            last = now;
        }
        throw new AssertionError("the follower did not settle within " + WAIT.toSeconds() + " s");
    }

    /** Another ATProto client: raw XRPC calls with its own session. */
    static final class OtherClient {
        private static final ObjectMapper JSON = new ObjectMapper();
        private static final MediaType APPLICATION_JSON = MediaType.get("application/json");
        private final OkHttpClient http;
        private final String pds;
        private final String did;
        private final String token;

        OtherClient(OkHttpClient http, ReferencePds pds, ReferencePds.Account a) throws Exception {
            this.http = http;
            this.pds = pds.url();
            this.did = a.did();
            this.token = post("com.atproto.server.createSession", null,
                    Map.of("identifier", a.handle(), "password", a.password())).get("accessJwt").asString();
        }

        private JsonNode post(String method, String bearer, Map<String, ?> body) throws Exception {
            Request.Builder b = new Request.Builder().url(pds + "/xrpc/" + method)
                    .post(RequestBody.create(JSON.writeValueAsString(body), APPLICATION_JSON));
            if (bearer != null) {
                b.header("Authorization", "Bearer " + bearer);
            }
            try (Response r = http.newCall(b.build()).execute()) {
                String text = r.body().string();
                assertThat(r.code()).as("%s: %s", method, text).isEqualTo(200);
                return JSON.readTree(text);
            }
        }

        /** Writes (creates or replaces) a mood record with no {@code ref}, as another client would. */
        void put(String rkey, String text) throws Exception {
            post("com.atproto.repo.putRecord", token, Map.of("repo", did, "collection", "computer.aesthetic.mood",
                    "rkey", rkey, "record", Map.of("$type", "computer.aesthetic.mood", "mood", text,
                            "when", "2026-01-01T00:00:00.000Z")));
        }

        /** Replaces a record with the same fields as the library writes (keeps its {@code ref}). */
        void putWithRef(String rkey, String text, String ref) throws Exception {
            post("com.atproto.repo.putRecord", token, Map.of("repo", did, "collection", "computer.aesthetic.mood",
                    "rkey", rkey, "record", Map.of("$type", "computer.aesthetic.mood", "mood", text,
                            "when", "2026-01-01T00:00:00.000Z", "ref", ref)));
        }

        void delete(String rkey) throws Exception {
            post("com.atproto.repo.deleteRecord", token, Map.of("repo", did, "collection", "computer.aesthetic.mood",
                    "rkey", rkey));
        }
    }

    /** Records every ingest change and counts them by kind. */
    static final class Changes implements IngestListener {
        final List<IngestChange> all = new CopyOnWriteArrayList<>();
        private final Map<IngestChange.Kind, LongAdder> byKind = new ConcurrentHashMap<>();

        @Override
        public void changed(IngestChange change) {
            all.add(change);
            byKind.computeIfAbsent(change.kind(), k -> new LongAdder()).increment();
        }

        long count(IngestChange.Kind kind) {
            LongAdder n = byKind.get(kind);
            return n == null ? 0 : n.sum();
        }

        List<IngestChange> of(IngestChange.Kind kind) {
            List<IngestChange> out = new ArrayList<>();
            for (IngestChange c : all) {
                if (c.kind() == kind) {
                    out.add(c);
                }
            }
            return out;
        }
    }
}
