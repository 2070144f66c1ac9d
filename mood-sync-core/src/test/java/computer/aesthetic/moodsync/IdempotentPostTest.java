package computer.aesthetic.moodsync;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import computer.aesthetic.moodsync.record.MoodRecords;
import computer.aesthetic.moodsync.spi.Account;
import computer.aesthetic.moodsync.spi.MoodStore;
import computer.aesthetic.moodsync.spi.RepoRecord;
import computer.aesthetic.moodsync.spi.Secret;
import computer.aesthetic.moodsync.syntax.Did;
import computer.aesthetic.moodsync.syntax.Handle;
import computer.aesthetic.moodsync.testing.InMemoryAccountDirectory;
import computer.aesthetic.moodsync.testing.InMemoryAtprotoRepo;
import computer.aesthetic.moodsync.testing.InMemoryMoodStore;
import computer.aesthetic.moodsync.testing.TestClock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 11, the lost acknowledgement of a post: a caller that passes its own {@link MoodId} and retries the post
 * (same id, same text) never creates a second mood or record; the same id with another text or another user is a
 * {@link MoodIdConflictException} that changes nothing.
 */
public class IdempotentPostTest {
    static final UserId ALICE = new UserId("auth0|alice");
    static final UserId BOB = new UserId("auth0|bob");
    static final UserId CAROL = new UserId("auth0|carol"); // no account
    static final Did ALICE_DID = Did.parse("did:plc:alice00000000000000000000");
    static final Did BOB_DID = Did.parse("did:plc:bob0000000000000000000000");

    final TestClock clock = TestClock.at(Instant.parse("2026-11-28T10:00:00Z"));
    MoodStore store;
    final InMemoryAtprotoRepo pds = InMemoryAtprotoRepo.builder().clock(clock).build();
    final InMemoryAccountDirectory accounts = InMemoryAccountDirectory.create();
    final List<MoodSyncService> services = new ArrayList<>();

    /**
     * Returns the store under test, called before each test; a subclass runs the same schedules on MongoDB.
     *
     * @return a new, empty store
     */
    protected MoodStore newStore() {
        return InMemoryMoodStore.create();
    }

    @BeforeEach
    void accounts() {
        store = newStore();
        accounts.put(ALICE, Account.of(ALICE_DID, Handle.parse("alice.test"), Secret.of("pw-alice")));
        accounts.put(BOB, Account.of(BOB_DID, Handle.parse("bob.test"), Secret.of("pw-bob")));
    }

    @AfterEach
    void close() {
        services.forEach(MoodSyncService::close);
    }

    MoodSyncService service(SyncMode mode) {
        MoodSyncService s = MoodSyncService.builder().store(store).repo(pds).accounts(accounts).clock(clock)
                .mode(mode).startWorker(false).lease(Duration.ofSeconds(30)).build();
        services.add(s);
        return s;
    }

    List<RepoRecord> records(Did did) {
        return pds.records(did, MoodRecords.COLLECTION);
    }

    @Test
    void aRetryAfterALostAcknowledgementReturnsTheSyncedMood() {
        MoodSyncService s = service(SyncMode.INLINE);
        MoodId id = MoodId.generate(clock.instant());
        assertThat(s.post(ALICE, id, "hello").outcome()).isEqualTo(SyncResult.Outcome.SYNCED);
        Mood first = store.find(id).orElseThrow();
        clock.advance(Duration.ofSeconds(3));

        SyncResult again = s.post(ALICE, id, "hello");

        assertThat(again.moodId()).isEqualTo(id);
        assertThat(again.outcome()).isEqualTo(SyncResult.Outcome.SYNCED);
        assertThat(store.find(id)).contains(first);
        try (var mine = store.listByUser(ALICE)) {
            assertThat(mine.count()).isEqualTo(1);
        }
        assertThat(records(ALICE_DID)).hasSize(1);
    }

    @Test
    void aRetryOfAPendingPostWritesItInline() {
        MoodSyncService s = service(SyncMode.INLINE);
        MoodId id = MoodId.generate(clock.instant());
        pds.down(true);
        assertThat(s.post(ALICE, id, "hello").outcome()).isEqualTo(SyncResult.Outcome.PENDING);
        pds.down(false);

        assertThat(s.post(ALICE, id, "hello").outcome()).isEqualTo(SyncResult.Outcome.SYNCED);

        assertThat(records(ALICE_DID)).singleElement().extracting(r -> r.value().get("ref"))
                .isEqualTo(id.toString());
        assertThat(store.find(id).orElseThrow().pending()).isEmpty();
    }

    @Test
    void aRetryForAHeldAccountIsHeldWithoutACallToThePds() {
        MoodSyncService s = service(SyncMode.INLINE);
        MoodId id = MoodId.generate(clock.instant());
        pds.down(true);
        assertThat(s.post(ALICE, id, "hello").outcome()).isEqualTo(SyncResult.Outcome.PENDING);
        pds.down(false);
        s.holdAccount(ALICE, "takendown");
        long callsBefore = pds.totalCalls();

        SyncResult again = s.post(ALICE, id, "hello");

        assertThat(again.outcome()).isEqualTo(SyncResult.Outcome.PENDING);
        assertThat(again.reason()).contains(PendingReason.ACCOUNT_INACTIVE);
        assertThat(pds.totalCalls()).as("PDS calls for a held account").isEqualTo(callsBefore);
        assertThat(records(ALICE_DID)).isEmpty();
        assertThat(store.find(id).orElseThrow().pending()).isPresent();
    }

    @Test
    void aQueuedRetryIsPendingAndTheWorkerWritesOneRecord() {
        MoodSyncService s = service(SyncMode.QUEUED);
        MoodId id = MoodId.generate(clock.instant());
        assertThat(s.post(ALICE, id, "hello").reason()).contains(PendingReason.QUEUED);
        assertThat(s.post(ALICE, id, "hello").reason()).contains(PendingReason.QUEUED);
        assertThat(s.syncNow()).isEqualTo(1);
        assertThat(records(ALICE_DID)).hasSize(1);
        assertThat(s.post(ALICE, id, "hello").outcome()).isEqualTo(SyncResult.Outcome.SYNCED);
    }

    @Test
    void aRetryWithoutAnAccountIsNoAccountAgain() {
        MoodSyncService s = service(SyncMode.INLINE);
        MoodId id = MoodId.generate(clock.instant());
        assertThat(s.post(CAROL, id, "hello").outcome()).isEqualTo(SyncResult.Outcome.NO_ACCOUNT);
        assertThat(s.post(CAROL, id, "hello").outcome()).isEqualTo(SyncResult.Outcome.NO_ACCOUNT);
        try (var mine = store.listByUser(CAROL)) {
            assertThat(mine.count()).isEqualTo(1);
        }
    }

    @Test
    void theSameIdWithAnotherTextIsATypedErrorThatChangesNothing() {
        MoodSyncService s = service(SyncMode.INLINE);
        MoodId id = MoodId.generate(clock.instant());
        s.post(ALICE, id, "hello");
        Mood first = store.find(id).orElseThrow();

        assertThatThrownBy(() -> s.post(ALICE, id, "hello!")).isInstanceOf(MoodIdConflictException.class)
                .hasMessageContaining(id.toString()).hasMessageContaining("another text")
                .satisfies(e -> assertThat(((MoodIdConflictException) e).moodId()).isEqualTo(id));

        assertThat(store.find(id)).contains(first);
        assertThat(records(ALICE_DID)).singleElement().extracting(r -> r.value().get("mood")).isEqualTo("hello");
    }

    @Test
    void theSameIdForAnotherUserIsATypedErrorThatChangesNothing() {
        MoodSyncService s = service(SyncMode.INLINE);
        MoodId id = MoodId.generate(clock.instant());
        s.post(ALICE, id, "hello");
        Mood first = store.find(id).orElseThrow();

        assertThatThrownBy(() -> s.post(BOB, id, "hello")).isInstanceOf(MoodIdConflictException.class)
                .hasMessageContaining("another user");

        assertThat(store.find(id)).contains(first);
        assertThat(records(BOB_DID)).isEmpty();
        assertThat(records(ALICE_DID)).hasSize(1);
    }

    @Test
    void concurrentRetriesMakeOneMoodAndOneRecord() throws Exception {
        MoodSyncService a = service(SyncMode.INLINE);
        MoodSyncService b = service(SyncMode.QUEUED);
        MoodId id = MoodId.generate(clock.instant());
        ExecutorService pool = Executors.newFixedThreadPool(4);
        CountDownLatch start = new CountDownLatch(1);
        try {
            List<Future<SyncResult>> tries = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                MoodSyncService s = i % 2 == 0 ? a : b;
                tries.add(pool.submit(() -> {
                    start.await();
                    return s.post(ALICE, id, "hello");
                }));
            }
            start.countDown();
            for (Future<SyncResult> t : tries) {
                assertThat(t.get(10, TimeUnit.SECONDS).moodId()).isEqualTo(id);
            }
        } finally {
            pool.shutdownNow();
        }
        a.syncNow();
        clock.advance(Duration.ofMinutes(1));
        a.syncNow();
        try (var mine = store.listByUser(ALICE)) {
            assertThat(mine.count()).isEqualTo(1);
        }
        assertThat(records(ALICE_DID)).hasSize(1);
        assertThat(store.find(id).orElseThrow().pending()).isEmpty();
    }

    @Test
    void anErasedUsersRetryIsRefused() {
        MoodSyncService s = service(SyncMode.INLINE);
        MoodId id = MoodId.generate(clock.instant());
        s.post(ALICE, id, "hello");
        s.erase(ALICE, false);
        assertThatThrownBy(() -> s.post(ALICE, id, "hello")).isInstanceOf(UserErasedException.class);
        assertThat(store.find(id)).isEmpty();
        assertThat(records(ALICE_DID)).isEmpty();
    }

    @Test
    void theIdIsRequired() {
        MoodSyncService s = service(SyncMode.INLINE);
        assertThatThrownBy(() -> s.post(ALICE, null, "hello")).isInstanceOf(NullPointerException.class);
    }
}
