package computer.aesthetic.moodsync.micrometer;

import computer.aesthetic.moodsync.MoodSyncService;
import computer.aesthetic.moodsync.SyncStats;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.TimeGauge;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Publishes a {@link MoodSyncService}'s {@link MoodSyncService#stats() stats()} to Micrometer, and with a
 * {@link MeteredAtprotoRepo} the write budget left and the circuit state:
 *
 * <table>
 *   <caption>Meters</caption>
 *   <tr><th>name</th><th>type</th><th>meaning</th></tr>
 *   <tr><td>{@code moodsync.moods.stored}</td><td>counter</td><td>changes stored in MongoDB (posts, edits,
 *       deletes)</td></tr>
 *   <tr><td>{@code moodsync.moods.synced}, tag {@code path=inline|worker}</td><td>counter</td><td>changes written to
 *       the PDS during the call, or later by the worker</td></tr>
 *   <tr><td>{@code moodsync.moods.no.account}</td><td>counter</td><td>posts of users without an ATProto
 *       account</td></tr>
 *   <tr><td>{@code moodsync.sync.failures}, tag {@code error}</td><td>counter</td><td>failed attempts by error (a
 *       meter appears with the first failure of its kind)</td></tr>
 *   <tr><td>{@code moodsync.moods.pending}, {@code moodsync.moods.parked}</td><td>gauge</td><td>moods waiting to be
 *       written; moods parked as failed</td></tr>
 *   <tr><td>{@code moodsync.moods.pending.oldest.age}</td><td>time gauge</td><td>age of the oldest pending change (0
 *       when none)</td></tr>
 *   <tr><td>{@code moodsync.pds.write.budget.remaining}</td><td>gauge</td><td>smallest write budget left among the
 *       repositories written to (NaN when none is known)</td></tr>
 *   <tr><td>{@code moodsync.pds.circuit.open}</td><td>gauge</td><td>1 while the client's circuit breaker is open,
 *       else 0</td></tr>
 *   <tr><td>{@value MeteredAtprotoRepo#CALLS}, tags {@code method}, {@code outcome}</td><td>timer</td><td>PDS calls
 *       (recorded by {@link MeteredAtprotoRepo})</td></tr>
 * </table>
 *
 * <pre>{@code
 * MeteredAtprotoRepo repo = MeteredAtprotoRepo.wrap(PdsAtprotoRepo.builder()...build(), registry);
 * MoodSyncService moods = MoodSyncService.builder().store(store).accounts(accounts).repo(repo).build();
 * MoodSyncMetrics.of(moods, repo).bindTo(registry);
 * }</pre>
 *
 * <p>{@code stats()} counts pending and parked moods with a store query, so a scrape reads it at most once per
 * {@link #SNAPSHOT_TTL}, whatever the number of meters. Thread-safe.
 */
public final class MoodSyncMetrics implements MeterBinder {
    /** How long one {@code stats()} snapshot serves every meter. */
    public static final Duration SNAPSHOT_TTL = Duration.ofSeconds(1);

    private final MoodSyncService service;
    private final Optional<MeteredAtprotoRepo> repo;
    private final Set<String> errors = ConcurrentHashMap.newKeySet();
    private volatile MeterRegistry registry;
    private volatile SyncStats snapshot;
    private volatile long snapshotAt;

    private MoodSyncMetrics(MoodSyncService service, Optional<MeteredAtprotoRepo> repo) {
        this.service = Objects.requireNonNull(service, "service");
        this.repo = repo;
    }

    /**
     * Publishes the service's statistics only.
     *
     * @param service the service
     * @return the binder
     */
    public static MoodSyncMetrics of(MoodSyncService service) {
        return new MoodSyncMetrics(service, Optional.empty());
    }

    /**
     * Publishes the service's statistics, and the write budget and circuit state seen by its repo.
     *
     * @param service the service
     * @param repo the timed repo the service was built with
     * @return the binder
     */
    public static MoodSyncMetrics of(MoodSyncService service, MeteredAtprotoRepo repo) {
        return new MoodSyncMetrics(service, Optional.of(Objects.requireNonNull(repo, "repo")));
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        this.registry = Objects.requireNonNull(registry, "registry");
        FunctionCounter.builder("moodsync.moods.stored", this, m -> m.stats().stored())
                .description("changes stored in MongoDB").register(registry);
        FunctionCounter.builder("moodsync.moods.synced", this, m -> m.stats().inlineSynced()).tag("path", "inline")
                .description("changes written to the PDS").register(registry);
        FunctionCounter.builder("moodsync.moods.synced", this,
                m -> Math.max(0, m.stats().synced() - m.stats().inlineSynced())).tag("path", "worker")
                .description("changes written to the PDS").register(registry);
        FunctionCounter.builder("moodsync.moods.no.account", this, m -> m.stats().noAccount())
                .description("posts of users without an ATProto account").register(registry);
        Gauge.builder("moodsync.moods.pending", this, m -> m.stats().pending())
                .description("moods waiting to be written to the PDS").register(registry);
        Gauge.builder("moodsync.moods.parked", this, m -> m.stats().parked())
                .description("moods parked as failed").register(registry);
        TimeGauge.builder("moodsync.moods.pending.oldest.age", this, TimeUnit.MILLISECONDS,
                m -> m.stats().oldestPendingAge().map(Duration::toMillis).orElse(0L))
                .description("age of the oldest pending change").register(registry);
        repo.ifPresent(r -> {
            Gauge.builder("moodsync.pds.write.budget.remaining", r,
                    x -> x.lowestWriteBudgetLeft().isPresent() ? x.lowestWriteBudgetLeft().getAsInt() : Double.NaN)
                    .description("smallest write budget left among the repositories written to").register(registry);
            Gauge.builder("moodsync.pds.circuit.open", r, x -> x.circuitOpen() ? 1 : 0)
                    .description("1 while the PDS client's circuit breaker is open").register(registry);
        });
        stats(); // registers the failure counters known so far
    }

    /** The statistics, read at most once per {@link #SNAPSHOT_TTL}; new error kinds get their counter. */
    SyncStats stats() {
        long now = System.nanoTime();
        SyncStats s = snapshot;
        if (s == null || now - snapshotAt > SNAPSHOT_TTL.toNanos()) {
            s = service.stats();
            snapshot = s;
            snapshotAt = now;
            MeterRegistry r = registry;
            if (r != null) {
                for (String error : s.failuresByError().keySet()) {
                    if (errors.add(error)) {
                        FunctionCounter.builder("moodsync.sync.failures", this,
                                m -> m.stats().failuresByError().getOrDefault(error, 0L)).tag("error", error)
                                .description("failed attempts to write to the PDS, by error").register(r);
                    }
                }
            }
        }
        return s;
    }

    /**
     * Forgets the cached snapshot, so that the next read of any meter asks the service again (tests, and hosts that
     * scrape rarely).
     */
    public void refresh() {
        snapshot = null;
        stats();
    }

    @Override
    public String toString() {
        return "MoodSyncMetrics[" + service + "]";
    }
}
