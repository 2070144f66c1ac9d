package computer.aesthetic.moodsync.sim;

import static org.assertj.core.api.Assertions.assertThat;

import computer.aesthetic.moodsync.Mood;
import computer.aesthetic.moodsync.PendingSync;
import computer.aesthetic.moodsync.SyncOp;
import computer.aesthetic.moodsync.UserId;
import computer.aesthetic.moodsync.record.MoodRecords;
import computer.aesthetic.moodsync.spi.MoodChange;
import computer.aesthetic.moodsync.spi.MoodStore;
import computer.aesthetic.moodsync.spi.RepoRecord;
import computer.aesthetic.moodsync.syntax.Did;
import computer.aesthetic.moodsync.syntax.RecordKey;
import computer.aesthetic.moodsync.syntax.Tid;
import computer.aesthetic.moodsync.testing.InMemoryAtprotoRepo;
import computer.aesthetic.moodsync.testing.InMemoryMoodStore;
import java.time.Instant;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.BiConsumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** The simulator's oracle sees every kind of damage it promises to see, and a replayed seed repeats its steps. */
class ScheduleOracleTest {
    private static final long SEED = 42;
    private static final Did SIM0 = Did.parse("did:plc:sim0aaaaaaaaaaaaaaaaaaaa");

    private static ScheduleSimulator.Outcome runTampered(BiConsumer<InMemoryAtprotoRepo, MoodStore> tamper) {
        // no faults, no erasure: user sim0 is certain to have live moods with records at the end
        ScheduleSimulator sim = new ScheduleSimulator(InMemoryMoodStore::create,
                EnumSet.of(ScheduleSimulator.Kind.SKEW), 60).tamperBeforeCheck(tamper);
        return sim.run(SEED);
    }

    private static RepoRecord someRecord(InMemoryAtprotoRepo pds) {
        List<RepoRecord> records = pds.records(SIM0, MoodRecords.COLLECTION);
        assertThat(records).as("the schedule leaves records to tamper with").isNotEmpty();
        return records.get(0);
    }

    @Test
    void anUntamperedScheduleWithoutFaultsPasses() {
        ScheduleSimulator.Outcome o = runTampered((pds, store) -> {
        });
        assertThat(o.violations()).isEmpty();
        assertThat(o.drainAlone()).isEmpty();
        assertThat(o.steps()).anyMatch(s -> s.startsWith("post auth0|sim0"));
    }

    @Test
    void aLostRecordIsSeen() {
        ScheduleSimulator.Outcome o = runTampered((pds, store) -> {
            RepoRecord r = someRecord(pds);
            pds.unseed(SIM0, MoodRecords.COLLECTION, r.uri().rkey().orElseThrow());
        });
        assertThat(o.violations()).anyMatch(v -> v.contains("has 0 records"));
    }

    @Test
    void aDuplicateIsSeen() {
        ScheduleSimulator.Outcome o = runTampered((pds, store) -> {
            RepoRecord r = someRecord(pds);
            pds.seed(SIM0, MoodRecords.COLLECTION, Tid.of(1_000_000, 7).toRecordKey(), r.value());
        });
        assertThat(o.violations()).anyMatch(v -> v.contains("has 2 records"));
    }

    @Test
    void aStaleRecordIsSeen() {
        ScheduleSimulator.Outcome o = runTampered((pds, store) -> {
            RepoRecord r = someRecord(pds);
            Map<String, Object> stale = new LinkedHashMap<>(r.value());
            stale.put("mood", "stale");
            pds.seed(SIM0, MoodRecords.COLLECTION, r.uri().rkey().orElseThrow(), stale);
        });
        assertThat(o.violations()).anyMatch(v -> v.contains("its record says 'stale'"));
    }

    @Test
    void aStrayRecordIsSeen() {
        ScheduleSimulator.Outcome o = runTampered((pds, store) -> pds.seed(SIM0, MoodRecords.COLLECTION,
                RecordKey.parse("3zzzzzzzzzzz2"), MoodRecords.toRecord(computer.aesthetic.moodsync.MoodId.generate(),
                        "stray", Instant.parse("2026-01-01T00:00:00Z"))));
        assertThat(o.violations()).anyMatch(v -> v.contains("which is not a mood of"));
    }

    @Test
    void aChangedOrLostMoodIsSeen() {
        ScheduleSimulator.Outcome changed = runTampered((pds, store) -> {
            Mood m = firstLive(store);
            PendingSync marker = PendingSync.start(SyncOp.UPDATE, Instant.EPOCH);
            store.change(m.id(), new MoodChange(Optional.of("tampered"), Optional.empty(), marker));
            store.completeSync(m.id(), marker.token(), "tamper", Optional.empty());
        });
        assertThat(changed.violations()).anyMatch(v -> v.contains("has text 'tampered'"));
        ScheduleSimulator.Outcome pending = runTampered((pds, store) -> store.setPending(firstLive(store).id(),
                PendingSync.start(SyncOp.UPDATE, Instant.EPOCH)));
        assertThat(pending.violations()).anyMatch(v -> v.contains("still pending"));
        ScheduleSimulator.Outcome lost = runTampered((pds, store) -> store.deleteAllOf(new UserId("auth0|sim0")));
        assertThat(lost.violations()).anyMatch(v -> v.contains("is lost"));
    }

    @Test
    void aSeedReplaysTheSameSteps() {
        ScheduleSimulator sim = new ScheduleSimulator(InMemoryMoodStore::create,
                EnumSet.allOf(ScheduleSimulator.Kind.class), 40);
        List<String> first = steps(sim.run(7));
        List<String> again = steps(sim.run(7));
        assertThat(again).hasSizeGreaterThan(40).isEqualTo(first);
    }

    /**
     * The steps without their results: an inline write racing the real-time inline timeout may say TIMEOUT in one
     * run and SYNCED in another (the simulator waits for it either way, so the state that follows is the same).
     */
    private static List<String> steps(ScheduleSimulator.Outcome o) {
        return o.steps().stream().filter(s -> !s.startsWith("  ")).map(ScheduleOracleTest::withoutIds).toList();
    }

    /** Mood ids differ between runs (they carry a process counter); the steps do not. */
    private static String withoutIds(String step) {
        return step.replaceAll("[0-9a-f]{24}", "<id>");
    }

    private static Mood firstLive(MoodStore store) {
        try (Stream<Mood> s = store.listByUser(new UserId("auth0|sim0"))) {
            return s.filter(m -> !m.deleted()).findFirst().orElseThrow();
        }
    }
}
