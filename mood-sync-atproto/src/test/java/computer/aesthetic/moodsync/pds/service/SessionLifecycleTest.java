package computer.aesthetic.moodsync.pds.service;

import static org.assertj.core.api.Assertions.assertThat;

import computer.aesthetic.moodsync.Mood;
import computer.aesthetic.moodsync.MoodId;
import computer.aesthetic.moodsync.MoodSyncService;
import computer.aesthetic.moodsync.PendingReason;
import computer.aesthetic.moodsync.SyncMode;
import computer.aesthetic.moodsync.SyncResult;
import computer.aesthetic.moodsync.SyncState;
import computer.aesthetic.moodsync.UserId;
import computer.aesthetic.moodsync.UserSyncStatus;
import computer.aesthetic.moodsync.pds.PdsAtprotoRepo;
import computer.aesthetic.moodsync.record.MoodRecords;
import computer.aesthetic.moodsync.spi.Account;
import computer.aesthetic.moodsync.spi.Secret;
import computer.aesthetic.moodsync.syntax.Did;
import computer.aesthetic.moodsync.syntax.Handle;
import computer.aesthetic.moodsync.testing.InMemoryAccountDirectory;
import computer.aesthetic.moodsync.testing.InMemoryMoodStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import mockwebserver3.MockWebServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The service over {@link PdsAtprotoRepo} against a fake PDS on MockWebServer, for what only shows over many writes:
 * sessions are created once per account (not per write) and survive an access token expiring mid-run (one
 * {@code refreshSession}, even with concurrent writers), and a wrong password leaves posts pending without a storm of
 * logins.
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class SessionLifecycleTest {
    private static final String CREATE = "com.atproto.server.createSession";
    private static final String REFRESH = "com.atproto.server.refreshSession";
    private static final String PUT = "com.atproto.repo.putRecord";
    private static final String APPLY = "com.atproto.repo.applyWrites";

    private MockWebServer server;
    private FakePds pds;
    private InMemoryAccountDirectory accounts;
    private InMemoryMoodStore store;
    private PdsAtprotoRepo repo;

    @BeforeEach
    void start() throws Exception {
        pds = new FakePds();
        server = new MockWebServer();
        server.setDispatcher(pds);
        server.start();
        accounts = InMemoryAccountDirectory.create();
        store = InMemoryMoodStore.create();
        repo = PdsAtprotoRepo.builder().accounts(accounts).defaultPds(server.url("/").toString())
                .backoff(Duration.ofMillis(1), Duration.ofMillis(4)).jitter(0)
                .readTimeout(Duration.ofSeconds(5)).callTimeout(Duration.ofSeconds(10))
                .build();
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private UserId user(String name, String did, String password, String passwordInDirectory) {
        pds.account(did, password);
        UserId user = new UserId("auth0|" + name);
        accounts.put(user, Account.of(Did.parse(did), Handle.parse(name + ".test"), Secret.of(passwordInDirectory)));
        return user;
    }

    private MoodSyncService.Builder service() {
        return MoodSyncService.builder().store(store).repo(repo).accounts(accounts).startWorker(false)
                .inlineTimeout(Duration.ofSeconds(10)).lease(Duration.ofSeconds(30))
                .backoff(Duration.ofMillis(1), Duration.ofMillis(5));
    }

    @Test
    void aLongRunCrossingAnExpiredTokenLogsInOncePerAccountAndRefreshesOnce() throws Exception {
        String[] dids = {"did:plc:aaaaaaaaaaaaaaaaaaaaaaaa", "did:plc:bbbbbbbbbbbbbbbbbbbbbbbb",
                "did:plc:cccccccccccccccccccccccc"};
        List<UserId> users = List.of(user("alice", dids[0], "pw-a", "pw-a"), user("bob", dids[1], "pw-b", "pw-b"),
                user("carol", dids[2], "pw-c", "pw-c"));
        pds.expireAccessAfterWrites(dids[0], 40); // alice's token expires during the inline posts
        pds.expireAccessAfterWrites(dids[1], 52); // bob's during the applyWrites batches (50 inline + 2 batches)
        List<MoodId> posted = Collections.synchronizedList(new ArrayList<>());

        // 150 inline posts (putRecord) from 6 threads...
        try (MoodSyncService inline = service().build()) {
            ExecutorService threads = Executors.newFixedThreadPool(6);
            try {
                List<Future<List<SyncResult>>> done = new ArrayList<>();
                for (int t = 0; t < 6; t++) {
                    int thread = t;
                    done.add(threads.submit(() -> {
                        List<SyncResult> results = new ArrayList<>();
                        for (int i = 0; i < 25; i++) {
                            UserId user = users.get((thread + i) % 3);
                            SyncResult r = inline.post(user, "inline " + thread + "/" + i);
                            posted.add(r.moodId());
                            results.add(r);
                        }
                        return results;
                    }));
                }
                for (Future<List<SyncResult>> f : done) {
                    for (SyncResult r : f.get(60, TimeUnit.SECONDS)) {
                        assertThat(r.outcome()).as("inline post %s", r).isEqualTo(SyncResult.Outcome.SYNCED);
                    }
                }
            } finally {
                threads.shutdownNow();
            }
        }
        // ...then 150 queued posts written by the worker in applyWrites batches of 10 (the same repo: its sessions).
        try (MoodSyncService queued = service().mode(SyncMode.QUEUED).batchSize(10).build()) {
            SplittableRandom random = new SplittableRandom(7);
            for (int i = 0; i < 150; i++) {
                posted.add(queued.post(users.get(random.nextInt(3)), "queued " + i).moodId());
            }
            assertThat(queued.syncNow()).as("moods written by the worker").isEqualTo(150);
        }

        assertThat(posted).hasSize(300);
        for (int u = 0; u < 3; u++) {
            assertThat(pds.calls(CREATE, dids[u])).as("logins of %s", dids[u]).isEqualTo(1);
        }
        assertThat(pds.calls(REFRESH, dids[0]) + pds.calls(REFRESH, dids[1]) + pds.calls(REFRESH, dids[2])
                + pds.calls(REFRESH, "null")).as("refreshes in all").isEqualTo(2);
        assertThat(pds.calls(REFRESH, dids[0])).as("alice's token expired once: one refresh").isEqualTo(1);
        assertThat(pds.calls(REFRESH, dids[1])).as("bob's token expired once: one refresh").isEqualTo(1);
        assertThat(pds.calls(REFRESH, dids[2])).as("carol's token never expired").isZero();
        assertThat(pds.calls(APPLY, dids[0]) + pds.calls(APPLY, dids[1]) + pds.calls(APPLY, dids[2]))
                .as("the queued posts went out in batches").isGreaterThanOrEqualTo(15);
        for (MoodId id : posted) {
            Mood mood = store.find(id).orElseThrow();
            assertThat(mood.syncState()).as("mood %s", id).isEqualTo(SyncState.SYNCED);
            assertThat(mood.rkey()).contains(MoodRecords.rkeyFor(id));
        }
        int records = 0;
        for (int u = 0; u < 3; u++) {
            Map<String, Map<String, Object>> held = pds.records(dids[u]);
            records += held.size();
            for (Map.Entry<String, Map<String, Object>> e : held.entrySet()) {
                Mood mood = store.find(MoodId.parse((String) e.getValue().get("ref"))).orElseThrow();
                assertThat(mood.user()).isEqualTo(users.get(u));
                assertThat(e.getKey()).isEqualTo(MoodRecords.rkeyFor(mood.id()).value());
                assertThat(e.getValue()).isEqualTo(MoodRecords.toRecord(mood));
            }
        }
        assertThat(records).as("one record per mood").isEqualTo(300);
    }

    @Test
    void aWrongPasswordLeavesPostsPendingWithoutALoginStorm() throws Exception {
        String did = "did:plc:dddddddddddddddddddddddd";
        UserId dave = user("dave", did, "the-real-password", "a-stale-password");
        List<MoodId> posted = new ArrayList<>();
        try (MoodSyncService service = service().maxAttempts(100).build()) {
            for (int i = 0; i < 30; i++) {
                SyncResult r = service.post(dave, "refused " + i);
                assertThat(r.outcome()).as("post %d", i).isEqualTo(SyncResult.Outcome.PENDING);
                assertThat(r.reason()).as("post %d", i).contains(PendingReason.SESSION_REFUSED);
                posted.add(r.moodId());
            }
            // the worker retries (its backoff is a few ms here) and is refused too, without asking the PDS again
            for (int round = 0; round < 5; round++) {
                Thread.sleep(20);
                service.syncNow();
            }
            UserSyncStatus status = service.status(dave);
            assertThat(status.pending()).as("nothing lost, all pending: %s", status).isEqualTo(30);
        }
        assertThat(pds.calls(CREATE, did)).as("createSession calls for 30 posts and their retries").isEqualTo(1);
        assertThat(pds.calls(PUT, did)).as("no write was attempted without a session").isZero();
        assertThat(pds.records(did)).isEmpty();
        for (MoodId id : posted) {
            assertThat(store.find(id).orElseThrow().pending().orElseThrow().lastError())
                    .as("the last error names the refusal").hasValueSatisfying(e -> assertThat(e).contains("refused"));
        }
    }
}
