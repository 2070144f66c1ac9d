package computer.aesthetic.moodsync.ingest;

import computer.aesthetic.moodsync.StoreException;
import computer.aesthetic.moodsync.spi.FollowerLease;
import computer.aesthetic.moodsync.spi.IngestStateStore;
import computer.aesthetic.moodsync.spi.RepoSyncState;
import computer.aesthetic.moodsync.syntax.Did;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.stream.Stream;

/** Wraps any {@link IngestStateStore} so a test can fail chosen calls (a crash between the follower's writes). */
public final class FailingIngestStateStore implements IngestStateStore {
    private final IngestStateStore delegate;
    private final Map<String, Integer> failures = new HashMap<>();

    /**
     * Wraps a store.
     *
     * @param delegate the real store
     */
    public FailingIngestStateStore(IngestStateStore delegate) {
        this.delegate = delegate;
    }

    /**
     * Fails the next calls of an operation, without effect.
     *
     * @param operation the method name
     * @param times how many calls
     */
    public synchronized void failNext(String operation, int times) {
        failures.merge(operation, times, Integer::sum);
    }

    private synchronized void maybeFail(String operation) {
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
        maybeFail("cursor");
        return delegate.cursor(source);
    }

    @Override
    public boolean saveCursor(String source, String owner, long seq) {
        maybeFail("saveCursor");
        return delegate.saveCursor(source, owner, seq);
    }

    @Override
    public Optional<RepoSyncState> repo(String source, Did did) {
        maybeFail("repo");
        return delegate.repo(source, did);
    }

    @Override
    public void saveRepo(String source, RepoSyncState state) {
        maybeFail("saveRepo");
        delegate.saveRepo(source, state);
    }

    @Override
    public Stream<RepoSyncState> repos(String source) {
        maybeFail("repos");
        return delegate.repos(source);
    }

    @Override
    public FollowerLease lease(String source) {
        maybeFail("lease");
        return delegate.lease(source);
    }

    @Override
    public boolean acquire(String source, String owner, long expectedVersion) {
        maybeFail("acquire");
        return delegate.acquire(source, owner, expectedVersion);
    }

    @Override
    public boolean renew(String source, String owner) {
        maybeFail("renew");
        return delegate.renew(source, owner);
    }

    @Override
    public void release(String source, String owner) {
        maybeFail("release");
        delegate.release(source, owner);
    }
}
