package computer.aesthetic.moodsync;

import static org.assertj.core.api.Assertions.assertThat;

import computer.aesthetic.moodsync.record.MoodRecords;
import computer.aesthetic.moodsync.spi.Account;
import computer.aesthetic.moodsync.spi.RepoRecord;
import computer.aesthetic.moodsync.spi.Secret;
import computer.aesthetic.moodsync.syntax.Did;
import computer.aesthetic.moodsync.syntax.Handle;
import computer.aesthetic.moodsync.syntax.RecordKey;
import computer.aesthetic.moodsync.testing.InMemoryAccountDirectory;
import computer.aesthetic.moodsync.testing.InMemoryAtprotoRepo;
import computer.aesthetic.moodsync.testing.InMemoryMoodStore;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 11, schedule 8 on the write path: a mood linked to a key that holds a record naming another mood never
 * overwrites or deletes it; the mood is parked with the reason.
 */
class ForeignRecordTest {
    static final UserId ALICE = new UserId("auth0|alice");
    static final Did ALICE_DID = Did.parse("did:plc:alice00000000000000000000");
    static final RecordKey LEGACY = RecordKey.parse("3l4ppbzw2qt2x");

    final MutableClock clock = new MutableClock(Instant.parse("2026-11-28T10:00:00Z"));
    final InMemoryMoodStore store = InMemoryMoodStore.create();
    final InMemoryAtprotoRepo pds = InMemoryAtprotoRepo.builder().clock(clock).build();
    final InMemoryAccountDirectory accounts = InMemoryAccountDirectory.create();
    MoodSyncService service;
    MoodId mine;
    RepoRecord foreign;

    @BeforeEach
    void wronglyLinked() {
        accounts.put(ALICE, Account.of(ALICE_DID, Handle.parse("alice.test"), Secret.of("pw")));
        service = MoodSyncService.builder().store(store).repo(pds).accounts(accounts).clock(clock)
                .startWorker(false).lease(Duration.ofSeconds(30)).build();
        mine = MoodId.generate(clock.instant());
        store.insert(new Mood(mine, ALICE, "mine", clock.instant(), false, Optional.of(LEGACY), Optional.empty()));
        Map<String, Object> other = new LinkedHashMap<>();
        other.put("$type", MoodRecords.COLLECTION.toString());
        other.put("mood", "someone else's");
        other.put("when", "2024-01-01T00:00:00.000Z");
        other.put("ref", MoodId.generate(clock.instant().minusSeconds(5)).toString());
        foreign = pds.seed(ALICE_DID, MoodRecords.COLLECTION, LEGACY, other);
    }

    @AfterEach
    void close() {
        service.close();
    }

    @Test
    void deleteNeverDeletesAnotherMoodsRecord() {
        SyncResult r = service.delete(mine);
        assertThat(r.outcome()).isEqualTo(SyncResult.Outcome.PENDING);
        assertThat(pds.records(ALICE_DID, MoodRecords.COLLECTION)).containsExactly(foreign);
        Mood m = store.find(mine).orElseThrow();
        assertThat(m.syncState()).isEqualTo(SyncState.FAILED);
        assertThat(m.pending().orElseThrow().lastError().orElseThrow()).contains("is not mood " + mine);
    }

    @Test
    void editNeverOverwritesAnotherMoodsRecord() {
        service.edit(mine, "edited");
        assertThat(pds.records(ALICE_DID, MoodRecords.COLLECTION)).containsExactly(foreign);
        assertThat(store.find(mine).orElseThrow().syncState()).isEqualTo(SyncState.FAILED);
    }
}
