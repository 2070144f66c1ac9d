package computer.aesthetic.moodsync.reconcile;

import computer.aesthetic.moodsync.PdsException;
import computer.aesthetic.moodsync.PdsUnavailableException;
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
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Delegates to a repo and fails the write call after {@code k} successful write calls, once. */
final class FlakyRepo implements AtprotoRepo {
    private final AtprotoRepo delegate;
    private int writesLeft = -1;
    private int status;
    private boolean fired;

    FlakyRepo(AtprotoRepo delegate) {
        this.delegate = delegate;
    }

    /** The write call after the next {@code k} fails with {@code status} (0: no answer). */
    synchronized void failAfter(int k, int status) {
        this.writesLeft = k;
        this.status = status;
    }

    private synchronized void write() {
        if (writesLeft < 0) {
            return;
        }
        if (writesLeft-- == 0) {
            writesLeft = -1;
            fired = true;
            throw status == 0 ? new PdsUnavailableException("injected: connection reset", null, null)
                    : new PdsException(status, "InternalServerError", "injected", true, null, null);
        }
    }

    /** Tells whether the injected failure happened. */
    synchronized boolean fired() {
        return fired;
    }

    @Override
    public WriteResult putRecord(Did repo, Nsid collection, RecordKey rkey, Map<String, Object> value,
            SwapRecord swap) {
        write();
        return delegate.putRecord(repo, collection, rkey, value, swap);
    }

    @Override
    public CreateResult createIfAbsent(Did repo, Nsid collection, RecordKey rkey, Map<String, Object> value) {
        write();
        return delegate.createIfAbsent(repo, collection, rkey, value);
    }

    @Override
    public void deleteRecord(Did repo, Nsid collection, RecordKey rkey, SwapRecord swap) {
        write();
        delegate.deleteRecord(repo, collection, rkey, swap);
    }

    @Override
    public Optional<RepoRecord> getRecord(Did repo, Nsid collection, RecordKey rkey) {
        return delegate.getRecord(repo, collection, rkey);
    }

    @Override
    public RecordPage listRecords(Did repo, Nsid collection, int limit, Optional<String> cursor, boolean reverse) {
        return delegate.listRecords(repo, collection, limit, cursor, reverse);
    }

    @Override
    public List<WriteResult> applyWrites(Did repo, List<RepoWrite> writes) {
        write();
        return delegate.applyWrites(repo, writes);
    }

    @Override
    public Optional<WriteBudget> writeBudget(Did repo) {
        return delegate.writeBudget(repo);
    }
}
