package computer.aesthetic.moodsync;

import static org.assertj.core.api.Assertions.assertThat;

import computer.aesthetic.moodsync.record.MoodRecords;
import computer.aesthetic.moodsync.spi.Account;
import computer.aesthetic.moodsync.spi.Secret;
import computer.aesthetic.moodsync.syntax.Did;
import computer.aesthetic.moodsync.syntax.Handle;
import computer.aesthetic.moodsync.testing.InMemoryAccountDirectory;
import computer.aesthetic.moodsync.testing.InMemoryAtprotoRepo;
import computer.aesthetic.moodsync.testing.InMemoryMoodStore;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/**
 * Issue 11, schedule 1: a mood whose stored data cannot be written (legacy text the origin never checked), or whose
 * outcome cannot be recorded (the store fails), is contained to that mood: parked or rescheduled with a reason, its
 * lease released, and the rest of the batch goes on.
 */
class PoisonMoodTest {
    static final UserId ALICE = new UserId("auth0|alice");
    static final Did ALICE_DID = Did.parse("did:plc:alice00000000000000000000");

    final MutableClock clock = new MutableClock(Instant.parse("2026-11-28T10:00:00Z"));
    final InMemoryMoodStore store = InMemoryMoodStore.create();
    final InMemoryAtprotoRepo pds = InMemoryAtprotoRepo.builder().clock(clock).build();
    final InMemoryAccountDirectory accounts = InMemoryAccountDirectory.create();
    final List<MoodSyncService> services = new ArrayList<>();
    final List<String> parked = new ArrayList<>();

    @BeforeEach
    void accounts() {
        accounts.put(ALICE, Account.of(ALICE_DID, Handle.parse("alice.test"), Secret.of("pw-alice")));
    }

    @AfterEach
    void close() {
        services.forEach(MoodSyncService::close);
    }

    MoodSyncService service(SyncMode mode) {
        MoodSyncService s = MoodSyncService.builder().store(store).repo(pds).accounts(accounts).clock(clock)
                .mode(mode).startWorker(false).maxAttempts(3).backoff(Duration.ofSeconds(1), Duration.ofSeconds(10))
                .lease(Duration.ofSeconds(30)).listener(new SyncListener() {
                    @Override
                    public void parked(Mood mood, SyncOp op, String lastError) {
                        parked.add(mood.id() + ": " + lastError);
                    }
                }).build();
        services.add(s);
        return s;
    }

    /** A soft-deleted legacy mood (synced long ago, unlinked) with text the lexicon refuses. */
    MoodId legacyPoison(String text) {
        MoodId id = MoodId.generate(clock.instant().minus(Duration.ofDays(400)));
        store.insert(new Mood(id, ALICE, text, clock.instant().minus(Duration.ofDays(400)), true, Optional.empty(),
                Optional.empty()));
        return id;
    }

    @ParameterizedTest
    @ValueSource(strings = {"long", "surrogate", "nul"})
    void aPoisonMoodIsParkedAndTheBatchGoesOn(String kind) {
        String text = switch (kind) {
            case "long" -> "x".repeat(6000);
            case "surrogate" -> "bad \uD800 text";
            default -> "nul \u0000 inside";
        };
        MoodSyncService service = service(SyncMode.QUEUED);
        MoodId poison = legacyPoison(text);
        MoodId good = service.post(ALICE, "fine").moodId();
        service.syncNow();
        service.undelete(poison);
        clock.advance(Duration.ofMillis(1)); // the edit is due after the poison: the poison comes first
        service.edit(good, "edited");

        service.syncNow();

        assertThat(pds.records(ALICE_DID, MoodRecords.COLLECTION)).extracting(r -> r.value().get("mood"))
                .containsExactly("edited");
        Mood p = store.find(poison).orElseThrow();
        assertThat(p.syncState()).isEqualTo(SyncState.FAILED);
        assertThat(p.pending().orElseThrow().leaseOwner()).isEmpty();
        assertThat(p.pending().orElseThrow().attempts()).isEqualTo(1);
        assertThat(p.pending().orElseThrow().lastError().orElseThrow())
                .startsWith("the mood's stored text cannot be written to the PDS");
        assertThat(service.failed(Optional.of(ALICE))).extracting(Mood::id).containsExactly(poison);
        assertThat(parked).hasSize(1);
        // later passes are not blocked either
        service.edit(good, "edited again");
        service.syncNow();
        assertThat(pds.records(ALICE_DID, MoodRecords.COLLECTION)).extracting(r -> r.value().get("mood"))
                .containsExactly("edited again");
    }

    @Test
    void aPoisonMoodInAFreshBatchIsParkedAndTheOthersAreWritten() {
        MoodSyncService service = service(SyncMode.QUEUED);
        List<MoodId> ids = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            ids.add(service.post(ALICE, "mood " + i).moodId());
        }
        MoodId poison = MoodId.generate(clock.instant());
        store.insert(Mood.posted(poison, ALICE, "y".repeat(6000), clock.instant()));
        service.syncNow();
        assertThat(pds.records(ALICE_DID, MoodRecords.COLLECTION)).hasSize(3);
        assertThat(store.find(poison).orElseThrow().syncState()).isEqualTo(SyncState.FAILED);
        ids.forEach(id -> assertThat(store.find(id).orElseThrow().syncState()).isEqualTo(SyncState.SYNCED));
    }

    @Test
    void inlineReturnsAClearResultAndReleasesTheLease() {
        MoodSyncService service = service(SyncMode.INLINE);
        MoodId poison = legacyPoison("z".repeat(6000));
        SyncResult r = service.undelete(poison);
        assertThat(r.outcome()).isEqualTo(SyncResult.Outcome.PENDING);
        assertThat(r.reason()).contains(PendingReason.INVALID_MOOD);
        assertThat(r.detail().orElseThrow()).contains("cannot be written to the PDS");
        Mood p = store.find(poison).orElseThrow();
        assertThat(p.syncState()).isEqualTo(SyncState.FAILED);
        assertThat(p.pending().orElseThrow().leaseOwner()).isEmpty();
    }

    @Test
    void aStoreFailureWhenRecordingTheOutcomeIsContainedAndRetried() {
        MoodSyncService service = service(SyncMode.QUEUED);
        MoodId a = service.post(ALICE, "a").moodId();
        clock.advance(Duration.ofMillis(1));
        MoodId b = service.post(ALICE, "b").moodId();
        service.syncNow();
        service.edit(a, "a2");
        clock.advance(Duration.ofMillis(1));
        service.edit(b, "b2");
        store.failNext(1, "completeSync");
        service.syncNow(); // a's completeSync fails: b goes on all the same
        assertThat(pds.records(ALICE_DID, MoodRecords.COLLECTION)).extracting(x -> x.value().get("mood"))
                .containsExactlyInAnyOrder("a2", "b2");
        assertThat(store.find(b).orElseThrow().syncState()).isEqualTo(SyncState.SYNCED);
        Mood ma = store.find(a).orElseThrow();
        assertThat(ma.syncState()).isEqualTo(SyncState.PENDING);
        assertThat(ma.pending().orElseThrow().leaseOwner()).isEmpty();
        assertThat(ma.pending().orElseThrow().attempts()).isEqualTo(1);
        clock.advance(Duration.ofSeconds(20));
        service.syncNow();
        assertThat(store.find(a).orElseThrow().syncState()).isEqualTo(SyncState.SYNCED);
        assertThat(pds.records(ALICE_DID, MoodRecords.COLLECTION)).hasSize(2);
    }
}
