package computer.aesthetic.moodsync.spi;

import static org.assertj.core.api.Assertions.assertThat;

import computer.aesthetic.moodsync.data.Cid;
import computer.aesthetic.moodsync.data.DagCbor;
import computer.aesthetic.moodsync.syntax.Did;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The contract of {@link IngestStateStore}, as its Javadoc states it. Every implementation subclasses this class
 * and supplies a fresh store per test. Published in the core test-jar.
 */
public abstract class IngestStateStoreContract {
    private static final Did ALICE = Did.parse("did:plc:alice234567abcdefghijklm");
    private static final Did BOB = Did.parse("did:plc:bob22234567abcdefghijklm");
    private static final Cid DATA = DagCbor.cidOf(Map.of("a", 1L));

    private IngestStateStore store;
    private String source;

    /**
     * Returns a store for one test. It may share a database with other tests: every test uses its own source name.
     *
     * @return the store
     */
    protected abstract IngestStateStore newStore();

    @BeforeEach
    void setUp() {
        store = newStore();
        source = "pds-" + UUID.randomUUID();
    }

    private long acquire(String owner) {
        FollowerLease l = store.lease(source);
        assertThat(store.acquire(source, owner, l.version())).isTrue();
        return l.version() + 1;
    }

    @Test
    void aNewSourceHasNoCursorNoLeaseAndNoRepos() {
        assertThat(store.cursor(source)).isEmpty();
        assertThat(store.lease(source)).isEqualTo(new FollowerLease(Optional.empty(), 0));
        try (Stream<RepoSyncState> s = store.repos(source)) {
            assertThat(s).isEmpty();
        }
        assertThat(store.repo(source, ALICE)).isEmpty();
    }

    @Test
    void acquireIsACompareAndSwapOnTheVersion() {
        assertThat(store.acquire(source, "a", 0)).isTrue();
        assertThat(store.lease(source)).isEqualTo(new FollowerLease(Optional.of("a"), 1));
        assertThat(store.acquire(source, "b", 0)).as("stale version").isFalse();
        assertThat(store.lease(source).owner()).contains("a");
        assertThat(store.acquire(source, "b", 1)).as("version seen by a standby that judged a dead").isTrue();
        assertThat(store.lease(source)).isEqualTo(new FollowerLease(Optional.of("b"), 2));
    }

    @Test
    void renewMovesTheVersionOnlyForTheHolder() {
        acquire("a");
        assertThat(store.renew(source, "a")).isTrue();
        assertThat(store.lease(source)).isEqualTo(new FollowerLease(Optional.of("a"), 2));
        assertThat(store.renew(source, "b")).isFalse();
        assertThat(store.lease(source).version()).isEqualTo(2);
    }

    @Test
    void releaseFreesTheLeaseOnlyForTheHolder() {
        acquire("a");
        store.release(source, "b");
        assertThat(store.lease(source).owner()).contains("a");
        store.release(source, "a");
        assertThat(store.lease(source)).isEqualTo(new FollowerLease(Optional.empty(), 2));
        assertThat(store.renew(source, "a")).isFalse();
        assertThat(store.acquire(source, "b", 2)).isTrue();
    }

    @Test
    void theCursorMovesOnlyForwardAndOnlyForTheHolder() {
        assertThat(store.saveCursor(source, "a", 5)).as("no lease yet").isFalse();
        assertThat(store.cursor(source)).isEmpty();
        acquire("a");
        assertThat(store.saveCursor(source, "a", 5)).isTrue();
        assertThat(store.saveCursor(source, "a", 3)).isTrue();
        assertThat(store.cursor(source)).isEqualTo(OptionalLong.of(5));
        assertThat(store.saveCursor(source, "a", 9)).isTrue();
        assertThat(store.cursor(source)).isEqualTo(OptionalLong.of(9));
        assertThat(store.acquire(source, "b", store.lease(source).version())).isTrue();
        assertThat(store.saveCursor(source, "a", 20)).as("a lost the lease").isFalse();
        assertThat(store.cursor(source)).isEqualTo(OptionalLong.of(9));
        assertThat(store.saveCursor(source, "b", 10)).isTrue();
        assertThat(store.cursor(source)).isEqualTo(OptionalLong.of(10));
    }

    @Test
    void sourcesAreIndependent() {
        acquire("a");
        store.saveCursor(source, "a", 7);
        store.saveRepo(source, RepoSyncState.unknown(ALICE));
        String other = source + "-other";
        assertThat(store.cursor(other)).isEmpty();
        assertThat(store.lease(other).version()).isZero();
        assertThat(store.repo(other, ALICE)).isEmpty();
    }

    @Test
    void repoStatesRoundTripAndListInDidOrder() {
        RepoSyncState bob = RepoSyncState.unknown(BOB).at("3l4ppbzw2qt2x", Optional.of(DATA))
                .withAccountStatus(Optional.of("takendown"));
        RepoSyncState alice = RepoSyncState.unknown(ALICE);
        store.saveRepo(source, bob);
        store.saveRepo(source, alice);
        assertThat(store.repo(source, BOB)).contains(bob);
        assertThat(store.repo(source, ALICE)).contains(alice);
        try (Stream<RepoSyncState> s = store.repos(source)) {
            assertThat(s.toList()).isEqualTo(List.of(alice, bob));
        }
        RepoSyncState desync = bob.desynchronized().withAccountStatus(Optional.empty());
        store.saveRepo(source, desync);
        assertThat(store.repo(source, BOB)).contains(desync);
    }
}
