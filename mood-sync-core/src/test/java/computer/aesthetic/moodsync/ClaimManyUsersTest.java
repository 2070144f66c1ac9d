package computer.aesthetic.moodsync;

import static org.assertj.core.api.Assertions.assertThat;

import computer.aesthetic.moodsync.record.MoodRecords;
import computer.aesthetic.moodsync.spi.Account;
import computer.aesthetic.moodsync.spi.AtprotoRepo;
import computer.aesthetic.moodsync.spi.Secret;
import computer.aesthetic.moodsync.syntax.Did;
import computer.aesthetic.moodsync.syntax.Handle;
import computer.aesthetic.moodsync.testing.InMemoryAccountDirectory;
import computer.aesthetic.moodsync.testing.InMemoryAtprotoRepo;
import computer.aesthetic.moodsync.testing.InMemoryMoodStore;
import computer.aesthetic.moodsync.testing.TestClock;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 15, sustained load from 1,000 users: each claim took one user's work, so a backlog of many users with a few
 * moods each cost one claim (several store round trips, a third of the worker's time) per user. A claim now takes
 * the work of up to {@link SyncWorker#USERS_PER_CLAIM} users, written one user after the other.
 */
class ClaimManyUsersTest {
    static final Duration LEASE = Duration.ofSeconds(20);

    final InMemoryMoodStore store = InMemoryMoodStore.create();
    final InMemoryAtprotoRepo pds = InMemoryAtprotoRepo.create();
    final InMemoryAccountDirectory accounts = InMemoryAccountDirectory.create();
    final TestClock clock = TestClock.at(Instant.parse("2026-12-02T08:00:00Z"));
    final List<UserId> users = new ArrayList<>();
    MoodSyncService service;

    ClaimManyUsersTest() {
        for (int i = 0; i < 40; i++) {
            UserId u = new UserId("auth0|user" + i);
            users.add(u);
            accounts.put(u, Account.of(Did.parse("did:plc:user" + i + "aaaaaaaaaaaaaaaaaaaa".substring(0,
                    20 - String.valueOf(i).length())), Handle.parse("user" + i + ".test"), Secret.of("pw")));
        }
    }

    @AfterEach
    void close() {
        if (service != null) {
            service.close();
        }
    }

    MoodSyncService service(AtprotoRepo repo) {
        service = MoodSyncService.builder().store(store).repo(repo).accounts(accounts).mode(SyncMode.QUEUED)
                .clock(clock).lease(LEASE).startWorker(false).build();
        return service;
    }

    @Test
    void aBacklogOfManyUsersIsClaimedAFewUsersAtATimeNotOneClaimPerUser() {
        MoodSyncService s = service(pds);
        for (UserId u : users) {
            s.post(u, "one of " + u.value());
        }
        store.resetCalls();
        assertThat(s.syncNow()).isEqualTo(users.size());
        // 40 users, 16 per claim: 3 claims, and one that finds nothing (one claim per user before: 41)
        assertThat(SyncWorker.USERS_PER_CLAIM).isEqualTo(16);
        assertThat(store.calls("claimDue")).as("claims of %d users' work", users.size()).isEqualTo(4);
        for (UserId u : users) {
            assertThat(pds.records(accounts.findByUser(u).orElseThrow().did(), MoodRecords.COLLECTION)).hasSize(1);
        }
        assertThat(store.snapshot()).allSatisfy(m -> assertThat(m.pending()).isEmpty());
    }

    /**
     * Each PDS write takes a third of the lease (by the service's clock), so the users late in a claim are reached
     * after half their lease: their leases are renewed before they are written, and every mood is written once.
     */
    @Test
    void theUsersLateInAClaimHaveTheirLeasesRenewedBeforeTheyAreWritten() {
        AtprotoRepo slow = (AtprotoRepo) Proxy.newProxyInstance(AtprotoRepo.class.getClassLoader(),
                new Class<?>[] {AtprotoRepo.class}, (proxy, method, args) -> {
                    if (method.getName().equals("createIfAbsent") || method.getName().equals("applyWrites")) {
                        clock.advance(LEASE.dividedBy(3));
                    }
                    try {
                        return method.invoke(pds, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
        MoodSyncService s = service(slow);
        List<UserId> few = users.subList(0, 4);
        for (UserId u : few) {
            s.post(u, "slow one of " + u.value());
        }
        store.resetCalls();
        assertThat(s.syncNow()).isEqualTo(few.size());
        assertThat(store.calls("tryLease")).as("renewals of the users reached past half the lease").isPositive();
        for (UserId u : few) {
            assertThat(pds.records(accounts.findByUser(u).orElseThrow().did(), MoodRecords.COLLECTION)).hasSize(1);
        }
        assertThat(pds.calls(InMemoryAtprotoRepo.PUT_RECORD) + pds.calls(InMemoryAtprotoRepo.APPLY_WRITES)).isEqualTo(few.size());
        assertThat(store.snapshot()).allSatisfy(m -> assertThat(m.pending()).isEmpty());
    }
}
