package computer.aesthetic.moodsync.examples.dualwrite;

import static org.assertj.core.api.Assertions.assertThat;

import com.mongodb.client.MongoDatabase;
import computer.aesthetic.moodsync.MoodId;
import computer.aesthetic.moodsync.MoodSyncService;
import computer.aesthetic.moodsync.PendingReason;
import computer.aesthetic.moodsync.SyncMode;
import computer.aesthetic.moodsync.SyncResult;
import computer.aesthetic.moodsync.SyncState;
import computer.aesthetic.moodsync.examples.TcpOutage;
import computer.aesthetic.moodsync.examples.dualwrite.RealStack.TestUser;
import computer.aesthetic.moodsync.mongo.MongoAccountDirectory;
import computer.aesthetic.moodsync.mongo.MongoMoodStore;
import computer.aesthetic.moodsync.mongo.testing.MongoTestExtension;
import computer.aesthetic.moodsync.pds.PdsAtprotoRepo;
import computer.aesthetic.moodsync.pds.testing.ReferencePds;
import computer.aesthetic.moodsync.pds.testing.ReferencePdsExtension;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The PDS goes away (its network is cut by a {@link TcpOutage} in front of the real reference PDS, which keeps its
 * data) and comes back: posts keep succeeding as {@code PENDING(PDS_UNAVAILABLE)}, fast once the circuit breaker is
 * open, and the worker catches up after recovery with every mood synced exactly once.
 */
@ExtendWith(ReferencePdsExtension.class)
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class OutageIT {
    private static final Duration INLINE_TIMEOUT = Duration.ofSeconds(5);
    private static final Duration WAIT = Duration.ofSeconds(90);

    @RegisterExtension
    static final MongoTestExtension MONGO = new MongoTestExtension();

    private TcpOutage outage;
    private MongoMoodStore store;
    private MongoAccountDirectory accounts;
    private PdsAtprotoRepo direct;
    private PdsAtprotoRepo viaOutage;
    private List<TestUser> users;

    @BeforeEach
    void setUp(ReferencePds pds) {
        MongoDatabase db = MONGO.database();
        users = RealStack.seedUsers(db, pds, 2);
        store = MongoMoodStore.builder(db).build();
        accounts = MongoAccountDirectory.builder(db).build();
        direct = RealStack.repo(pds.url(), accounts).build();
        for (TestUser u : users) {
            RealStack.wipe(direct, u.did());
        }
        URI target = URI.create(pds.url());
        outage = TcpOutage.forward(target.getHost(), target.getPort());
        viaOutage = PdsAtprotoRepo.builder().accounts(accounts).defaultPds(outage.url())
                .circuitBreaker(3, Duration.ofSeconds(2))
                .connectTimeout(Duration.ofSeconds(1)).readTimeout(Duration.ofSeconds(5))
                .callTimeout(Duration.ofSeconds(8))
                .maxRetries(2).backoff(Duration.ofMillis(50), Duration.ofMillis(200))
                .build();
    }

    @AfterEach
    void tearDown() {
        if (outage != null) {
            outage.close();
        }
    }

    private MoodSyncService.Builder service(RecordingListener listener) {
        return MoodSyncService.builder().store(store).repo(viaOutage).accounts(accounts).listener(listener)
                .inlineTimeout(INLINE_TIMEOUT).lease(Duration.ofSeconds(30))
                .backoff(Duration.ofMillis(200), Duration.ofSeconds(1)).pollInterval(Duration.ofMillis(100))
                .batchSize(50);
    }

    @Test
    void postsStayPendingAndReturnFastWhileThePdsIsDownThenTheWorkerCatchesUp() throws Exception {
        RecordingListener events = new RecordingListener();
        List<MoodId> posted = new ArrayList<>();
        try (MoodSyncService service = service(events).build()) {
            for (int i = 0; i < 4; i++) { // sessions are up, writes go through
                SyncResult r = service.post(users.get(i % 2).user(), "before the outage " + i);
                assertThat(r.outcome()).as("post %d before the outage: %s", i, r).isEqualTo(SyncResult.Outcome.SYNCED);
                posted.add(r.moodId());
            }

            outage.down();
            List<SyncResult> during = new ArrayList<>();
            List<Long> millis = new ArrayList<>();
            for (int i = 0; i < 40; i++) {
                long t0 = System.nanoTime();
                SyncResult r = service.post(users.get(i % 2).user(), "during the outage " + i);
                millis.add(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0));
                during.add(r);
                posted.add(r.moodId());
            }
            for (SyncResult r : during) {
                assertThat(r.outcome()).as("a post during the outage succeeds, pending: %s", r)
                        .isEqualTo(SyncResult.Outcome.PENDING);
                assertThat(r.reason()).as("why %s is pending", r.moodId()).contains(PendingReason.PDS_UNAVAILABLE);
                assertThat(store.find(r.moodId()).orElseThrow().syncState()).as("stored with its marker")
                        .isEqualTo(SyncState.PENDING);
            }
            assertThat(during).as("the circuit breaker opened and answered some posts")
                    .anyMatch(r -> r.detail().orElse("").contains("circuit"));
            // Once the circuit is open, a post does not wait on the PDS: generous bound, half the inline budget.
            List<Long> afterOpening = millis.subList(10, millis.size());
            assertThat(afterOpening).as("post latencies (ms) once the circuit is open")
                    .allMatch(ms -> ms < INLINE_TIMEOUT.toMillis() / 2);

            Thread.sleep(3_000); // the worker keeps failing against the cut network meanwhile; nothing is parked
            assertThat(events.parked()).as("an outage never parks work").isZero();
            assertThat(RealStack.pending(store)).hasSize(40);

            outage.up();
            RealStack.drain(store, () -> 0, WAIT);
            assertThat(events.parked()).isZero();
        }
        RealStack.assertAllStored(store, posted, List.of());
        int live = 0;
        for (TestUser u : users) {
            live += RealStack.assertExactlyOnce(store, direct, u);
        }
        assertThat(live).isEqualTo(posted.size());
        System.out.println("outage: " + events);
    }

    @Test
    void aNetworkCutInTheMiddleOfTheBatchesLeavesNoDuplicateAndLosesNothing() throws Exception {
        CountDownLatch cut = new CountDownLatch(1);
        RecordingListener events = new RecordingListener() {
            @Override
            void onSynced(int count) {
                if (count == 60) {
                    cut.countDown();
                }
            }
        };
        List<MoodId> posted = new ArrayList<>();
        List<MoodId> deleted = new ArrayList<>();
        try (MoodSyncService service = service(events).mode(SyncMode.QUEUED).startWorker(false).build()) {
            for (int i = 0; i < 150; i++) {
                for (TestUser u : users) {
                    posted.add(service.post(u.user(), "queued " + i).moodId());
                }
            }
            for (int i = 0; i < posted.size(); i += 13) {
                service.delete(posted.get(i));
                deleted.add(posted.get(i));
            }
            service.worker().start();
            assertThat(cut.await(60, TimeUnit.SECONDS)).as("60 moods synced").isTrue();
            Thread.sleep(20); // let the next applyWrites get on the wire, then cut it
            outage.down();
            Thread.sleep(2_500);
            outage.up();
            RealStack.drain(store, () -> 0, WAIT);
            assertThat(service.failed(Optional.empty())).as("nothing parked").isEmpty();
        }
        RealStack.assertAllStored(store, posted, deleted);
        int live = 0;
        for (TestUser u : users) {
            live += RealStack.assertExactlyOnce(store, direct, u);
        }
        assertThat(live).isEqualTo(posted.size() - deleted.size());
        System.out.println("cut mid-batch: " + events);
    }
}
