package computer.aesthetic.moodsync.micrometer;

import computer.aesthetic.moodsync.spi.AtprotoRepo;
import computer.aesthetic.moodsync.spi.CreateResult;
import computer.aesthetic.moodsync.spi.RecordPage;
import computer.aesthetic.moodsync.spi.RepoRecord;
import computer.aesthetic.moodsync.spi.RepoWrite;
import computer.aesthetic.moodsync.spi.SwapRecord;
import computer.aesthetic.moodsync.spi.WriteBudget;
import computer.aesthetic.moodsync.spi.WriteResult;
import computer.aesthetic.moodsync.syntax.Did;
import computer.aesthetic.moodsync.syntax.Nsid;
import computer.aesthetic.moodsync.syntax.RecordKey;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

/**
 * An {@link AtprotoRepo} that times every call of the repository it wraps in the timer {@value #CALLS} (tags
 * {@code method}: the XRPC method, {@code outcome}: {@code success} or the exception's simple name), and remembers
 * what the calls taught about the PDS: the write budget of each repository written to and until when the client's
 * circuit breaker is open. {@link MoodSyncMetrics} publishes those.
 *
 * <p>Give the wrapped repo to {@code MoodSyncService.builder().repo(...)}. Thread-safe if the wrapped repo is.
 */
public final class MeteredAtprotoRepo implements AtprotoRepo {
    /** The timer of PDS calls. */
    public static final String CALLS = "moodsync.pds.calls";
    /** At most this many repositories' budgets are remembered (the lowest matter; others are dropped). */
    static final int MAX_BUDGETS = 10_000;

    private final AtprotoRepo delegate;
    private final MeterRegistry registry;
    private final Clock clock;
    private final Map<Did, WriteBudget> budgets = new ConcurrentHashMap<>();
    /** The repository of the latest call: the client's breaker is per PDS host, so asking for it tells. */
    private final AtomicReference<Did> lastRepo = new AtomicReference<>();

    private MeteredAtprotoRepo(AtprotoRepo delegate, MeterRegistry registry, Clock clock) {
        this.delegate = Objects.requireNonNull(delegate, "delegate");
        this.registry = Objects.requireNonNull(registry, "registry");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /**
     * Wraps a repository.
     *
     * @param delegate the repository that does the work, such as {@code PdsAtprotoRepo}
     * @param registry where the timers go
     * @return the timed repository
     */
    public static MeteredAtprotoRepo wrap(AtprotoRepo delegate, MeterRegistry registry) {
        return new MeteredAtprotoRepo(delegate, registry, Clock.systemUTC());
    }

    /**
     * Returns the smallest write budget left among the repositories written to whose budget window has not reset.
     *
     * @return the points left, or empty when no budget is known
     */
    public OptionalInt lowestWriteBudgetLeft() {
        Instant now = clock.instant();
        budgets.values().removeIf(b -> !b.resetAt().isAfter(now));
        return budgets.values().stream().mapToInt(WriteBudget::remaining).min();
    }

    /**
     * Tells whether the wrapped client's circuit breaker is open now for the PDS of the latest call.
     *
     * @return true while calls fail fast
     */
    public boolean circuitOpen() {
        Did repo = lastRepo.get();
        return repo != null && delegate.unavailableUntil(repo).isPresent();
    }

    private <T> T timed(String method, Did repo, boolean write, Supplier<T> call) {
        lastRepo.set(repo);
        long t0 = System.nanoTime();
        String outcome = "success";
        try {
            return call.get();
        } catch (RuntimeException e) {
            outcome = e.getClass().getSimpleName();
            throw e;
        } finally {
            Timer.builder(CALLS).description("calls to the PDS").tag("method", method).tag("outcome", outcome)
                    .register(registry).record(System.nanoTime() - t0, java.util.concurrent.TimeUnit.NANOSECONDS);
            if (write) {
                Optional<WriteBudget> budget = delegate.writeBudget(repo);
                if (budget.isPresent()) {
                    if (budgets.size() < MAX_BUDGETS || budgets.containsKey(repo)) {
                        budgets.put(repo, budget.get());
                    }
                } else {
                    budgets.remove(repo);
                }
            }
        }
    }

    @Override
    public WriteResult putRecord(Did repo, Nsid collection, RecordKey rkey, Map<String, Object> value,
            SwapRecord swap) {
        return timed("com.atproto.repo.putRecord", repo, true,
                () -> delegate.putRecord(repo, collection, rkey, value, swap));
    }

    @Override
    public CreateResult createIfAbsent(Did repo, Nsid collection, RecordKey rkey, Map<String, Object> value) {
        return timed("com.atproto.repo.createRecord", repo, true,
                () -> delegate.createIfAbsent(repo, collection, rkey, value));
    }

    @Override
    public void deleteRecord(Did repo, Nsid collection, RecordKey rkey, SwapRecord swap) {
        timed("com.atproto.repo.deleteRecord", repo, true, () -> {
            delegate.deleteRecord(repo, collection, rkey, swap);
            return null;
        });
    }

    @Override
    public Optional<RepoRecord> getRecord(Did repo, Nsid collection, RecordKey rkey) {
        return timed("com.atproto.repo.getRecord", repo, false, () -> delegate.getRecord(repo, collection, rkey));
    }

    @Override
    public RecordPage listRecords(Did repo, Nsid collection, int limit, Optional<String> cursor, boolean reverse) {
        return timed("com.atproto.repo.listRecords", repo, false,
                () -> delegate.listRecords(repo, collection, limit, cursor, reverse));
    }

    @Override
    public List<WriteResult> applyWrites(Did repo, List<RepoWrite> writes) {
        return timed("com.atproto.repo.applyWrites", repo, true, () -> delegate.applyWrites(repo, writes));
    }

    @Override
    public Optional<WriteBudget> writeBudget(Did repo) {
        return delegate.writeBudget(repo);
    }

    @Override
    public Optional<Instant> unavailableUntil(Did repo) {
        lastRepo.set(repo);
        return delegate.unavailableUntil(repo);
    }

    @Override
    public String toString() {
        return "MeteredAtprotoRepo[" + delegate + "]";
    }
}
