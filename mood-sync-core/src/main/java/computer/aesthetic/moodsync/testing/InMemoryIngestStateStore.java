package computer.aesthetic.moodsync.testing;

import computer.aesthetic.moodsync.StoreException;
import computer.aesthetic.moodsync.spi.FollowerLease;
import computer.aesthetic.moodsync.spi.IngestStateStore;
import computer.aesthetic.moodsync.spi.RepoSyncState;
import computer.aesthetic.moodsync.syntax.Did;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * An {@link IngestStateStore} in memory, for hosts' tests. It passes {@code IngestStateStoreContract} like the
 * MongoDB store, and can fail chosen operations ({@link #failNext}) to play a crash between a follower's store
 * writes.
 *
 * <p>Thread-safe: every operation runs under one lock.
 */
public final class InMemoryIngestStateStore implements IngestStateStore {
    /** The operation names accepted by {@link #failNext}. */
    public static final Set<String> OPERATIONS = Set.of("cursor", "saveCursor", "repo", "saveRepo", "repos", "lease",
            "acquire", "renew", "release");

    private final Object lock = new Object();
    private final Map<String, Long> cursors = new HashMap<>();
    private final Map<String, FollowerLease> leases = new HashMap<>();
    private final Map<String, TreeMap<String, RepoSyncState>> repos = new HashMap<>();
    private final Map<String, Integer> failures = new HashMap<>();

    /** Creates an empty store. */
    public InMemoryIngestStateStore() {
    }

    /**
     * Makes the next {@code times} calls of an operation fail with a {@link StoreException}, without effect.
     *
     * @param operation one of {@link #OPERATIONS}
     * @param times how many calls fail, positive
     * @throws IllegalArgumentException for an unknown operation or a count below 1
     */
    public void failNext(String operation, int times) {
        if (!OPERATIONS.contains(operation)) {
            throw new IllegalArgumentException("unknown operation " + operation + ", expected one of " + OPERATIONS);
        }
        if (times < 1) {
            throw new IllegalArgumentException("times must be >= 1, found " + times);
        }
        synchronized (lock) {
            failures.merge(operation, times, Integer::sum);
        }
    }

    private void maybeFail(String operation) {
        Integer left = failures.get(operation);
        if (left != null) {
            if (left <= 1) {
                failures.remove(operation);
            } else {
                failures.put(operation, left - 1);
            }
            throw new StoreException(operation, "injected failure", null);
        }
    }

    @Override
    public OptionalLong cursor(String source) {
        Objects.requireNonNull(source, "source");
        synchronized (lock) {
            maybeFail("cursor");
            Long c = cursors.get(source);
            return c == null ? OptionalLong.empty() : OptionalLong.of(c);
        }
    }

    @Override
    public boolean saveCursor(String source, String owner, long seq) {
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(owner, "owner");
        synchronized (lock) {
            maybeFail("saveCursor");
            if (!leaseOf(source).owner().equals(Optional.of(owner))) {
                return false;
            }
            cursors.merge(source, seq, Math::max);
            return true;
        }
    }

    @Override
    public Optional<RepoSyncState> repo(String source, Did did) {
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(did, "did");
        synchronized (lock) {
            maybeFail("repo");
            return Optional.ofNullable(repos.getOrDefault(source, new TreeMap<>()).get(did.toString()));
        }
    }

    @Override
    public void saveRepo(String source, RepoSyncState state) {
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(state, "state");
        synchronized (lock) {
            maybeFail("saveRepo");
            repos.computeIfAbsent(source, s -> new TreeMap<>()).put(state.did().toString(), state);
        }
    }

    @Override
    public Stream<RepoSyncState> repos(String source) {
        Objects.requireNonNull(source, "source");
        synchronized (lock) {
            maybeFail("repos");
            return new ArrayList<>(repos.getOrDefault(source, new TreeMap<>()).values()).stream();
        }
    }

    @Override
    public FollowerLease lease(String source) {
        Objects.requireNonNull(source, "source");
        synchronized (lock) {
            maybeFail("lease");
            return leaseOf(source);
        }
    }

    private FollowerLease leaseOf(String source) {
        return leases.getOrDefault(source, new FollowerLease(Optional.empty(), 0));
    }

    @Override
    public boolean acquire(String source, String owner, long expectedVersion) {
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(owner, "owner");
        synchronized (lock) {
            maybeFail("acquire");
            FollowerLease l = leaseOf(source);
            if (l.version() != expectedVersion) {
                return false;
            }
            leases.put(source, new FollowerLease(Optional.of(owner), l.version() + 1));
            return true;
        }
    }

    @Override
    public boolean renew(String source, String owner) {
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(owner, "owner");
        synchronized (lock) {
            maybeFail("renew");
            FollowerLease l = leaseOf(source);
            if (!l.owner().equals(Optional.of(owner))) {
                return false;
            }
            leases.put(source, new FollowerLease(l.owner(), l.version() + 1));
            return true;
        }
    }

    @Override
    public void release(String source, String owner) {
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(owner, "owner");
        synchronized (lock) {
            maybeFail("release");
            FollowerLease l = leaseOf(source);
            if (l.owner().equals(Optional.of(owner))) {
                leases.put(source, new FollowerLease(Optional.empty(), l.version() + 1));
            }
        }
    }

    /**
     * Lists the sources with a saved cursor, for tests.
     *
     * @return the source names
     */
    public List<String> sources() {
        synchronized (lock) {
            return List.copyOf(new TreeMap<>(cursors).keySet());
        }
    }

    @Override
    public String toString() {
        synchronized (lock) {
            return "InMemoryIngestStateStore[cursors=" + cursors + ", leases=" + leases + "]";
        }
    }
}
