package computer.aesthetic.moodsync.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import computer.aesthetic.moodsync.StoreException;
import computer.aesthetic.moodsync.spi.FollowerLease;
import computer.aesthetic.moodsync.spi.IngestStateStore;
import computer.aesthetic.moodsync.spi.RepoSyncState;
import computer.aesthetic.moodsync.syntax.Did;
import computer.aesthetic.moodsync.testing.InMemoryIngestStateStore;
import computer.aesthetic.moodsync.testing.StderrCapture;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * What {@link Follower#close()} logs. It interrupts the follower's thread, and on MongoDB that thread is most often
 * inside a driver call, which then fails with {@code MongoInterruptedException} (seen in 27 of 30 closes of a busy
 * follower): a normal close must not log that as a failure. A real failure still warns. The in-memory state store
 * here fails an interrupted call as the MongoDB store does.
 */
class FollowerCloseTest extends FollowerFixture {
    final InterruptibleStateStore interruptible = new InterruptibleStateStore(new InMemoryIngestStateStore());

    @Override
    protected IngestStateStore newStateStore() {
        return interruptible;
    }

    Follower follower() {
        Follower f = service.follower().state(state).source("mem", source).saveCursorEvery(1, Duration.ZERO)
                .authenticator(signatures).build();
        closeables.add(f);
        return f;
    }

    /** Starts a follower and returns once its thread sits in a cursor save that only an interrupt ends. */
    Follower startedAndBlockedInAStoreCall() throws InterruptedException {
        interruptible.blockNextSaveOnTheFollowerThread();
        Follower f = follower();
        f.start();
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        do {
            service.post(ALICE, "one more"); // until one arrives after the thread subscribed (live, no cursor yet)
        } while (!interruptible.blocked.await(50, TimeUnit.MILLISECONDS) && System.nanoTime() < deadline);
        assertThat(interruptible.blocked.getCount()).as("the follower thread saves its cursor").isZero();
        return f;
    }

    @Test
    void closingAFollowerWhoseThreadIsInAStoreCallLogsNothingAboveInfo() throws Exception {
        Follower f = startedAndBlockedInAStoreCall();
        String log = StderrCapture.capture(f::close);
        assertThat(warnings(log)).as("a normal close").isEmpty();
        assertThat(state.lease("mem").owner()).as("the lease is released").isEmpty();
        assertThat(state.cursor("mem")).as("close made the save the interrupt cut short").isPresent();
    }

    @Test
    void aCursorThatCannotBeSavedOnCloseStillWarns() throws Exception {
        Follower f = startedAndBlockedInAStoreCall();
        interruptible.failNextSave();
        String log = StderrCapture.capture(f::close);
        assertThat(warnings(log)).singleElement().asString().contains("could not save the cursor of mem on close");
        assertThat(state.lease("mem").owner()).isEmpty();
    }

    @Test
    void aStoreFailureWhileRunningStillWarns() throws Exception {
        interruptible.failNextSave();
        StringBuilder log = new StringBuilder();
        Follower f = follower();
        log.append(StderrCapture.capture(() -> {
            f.start();
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            try {
                while (state.cursor("mem").isEmpty() && System.nanoTime() < deadline) {
                    service.post(ALICE, "again");
                    Thread.sleep(50);
                }
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
        }));
        log.append(StderrCapture.capture(f::close));
        assertThat(warnings(log.toString())).singleElement().asString()
                .contains("follower of mem failed; it starts again from its saved cursor");
    }

    static List<String> warnings(String log) {
        return log.lines().filter(l -> l.contains(" WARN ") || l.contains(" ERROR ")).toList();
    }

    /**
     * Delegates to a state store; on demand, the follower thread's next cursor save blocks until the thread is
     * interrupted and then fails as {@code MongoIngestStateStore} does ({@code StoreException} of a
     * {@code MongoInterruptedException}), or the next save of any thread fails outright.
     */
    static final class InterruptibleStateStore implements IngestStateStore {
        private final IngestStateStore delegate;
        final CountDownLatch blocked = new CountDownLatch(1);
        private volatile boolean block;
        private volatile boolean fail;

        InterruptibleStateStore(IngestStateStore delegate) {
            this.delegate = delegate;
        }

        void blockNextSaveOnTheFollowerThread() {
            block = true;
        }

        void failNextSave() {
            fail = true;
        }

        @Override
        public boolean saveCursor(String source, String owner, long seq) {
            if (fail) {
                fail = false;
                throw new StoreException("saveCursor", "MongoTimeoutException: timed out", null);
            }
            if (block && Thread.currentThread().getName().equals("moodsync-follower")) {
                block = false;
                blocked.countDown();
                try {
                    Thread.sleep(Long.MAX_VALUE);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new StoreException("saveCursor", "MongoInterruptedException (code -4): Interrupted"
                            + " waiting for lock", e);
                }
            }
            return delegate.saveCursor(source, owner, seq);
        }

        @Override
        public OptionalLong cursor(String source) {
            return delegate.cursor(source);
        }

        @Override
        public Optional<RepoSyncState> repo(String source, Did did) {
            return delegate.repo(source, did);
        }

        @Override
        public void saveRepo(String source, RepoSyncState s) {
            delegate.saveRepo(source, s);
        }

        @Override
        public Stream<RepoSyncState> repos(String source) {
            return delegate.repos(source);
        }

        @Override
        public FollowerLease lease(String source) {
            return delegate.lease(source);
        }

        @Override
        public boolean acquire(String source, String owner, long expectedVersion) {
            return delegate.acquire(source, owner, expectedVersion);
        }

        @Override
        public boolean renew(String source, String owner) {
            return delegate.renew(source, owner);
        }

        @Override
        public void release(String source, String owner) {
            delegate.release(source, owner);
        }
    }
}
