package computer.aesthetic.moodsync;

import static org.assertj.core.api.Assertions.assertThat;

import computer.aesthetic.moodsync.spi.Account;
import computer.aesthetic.moodsync.spi.Claim;
import computer.aesthetic.moodsync.spi.MoodStore;
import computer.aesthetic.moodsync.spi.Secret;
import computer.aesthetic.moodsync.syntax.Did;
import computer.aesthetic.moodsync.syntax.Handle;
import computer.aesthetic.moodsync.testing.InMemoryAccountDirectory;
import computer.aesthetic.moodsync.testing.InMemoryAtprotoRepo;
import computer.aesthetic.moodsync.testing.InMemoryMoodStore;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Issue 11, extras: drain() gives each claim a lease counted from that claim, not from the start of the call. */
class DrainLeaseTest {
    @Test
    void laterClaimsOfADrainGetAFullLease() {
        MutableClock clock = new MutableClock(Instant.parse("2026-11-28T10:00:00Z"));
        Duration lease = Duration.ofSeconds(30);
        InMemoryMoodStore real = InMemoryMoodStore.create();
        List<Duration> leftAtClaim = new ArrayList<>();
        MoodStore slow = (MoodStore) Proxy.newProxyInstance(MoodStore.class.getClassLoader(),
                new Class<?>[] {MoodStore.class}, (proxy, method, args) -> {
                    if (method.getName().equals("completeSync")) {
                        clock.advance(Duration.ofSeconds(40)); // each batch takes 40 s
                    }
                    if (method.getName().equals("claimDue")) {
                        Claim c = (Claim) args[0];
                        leftAtClaim.add(Duration.between(clock.instant(), c.now().plus(c.lease())));
                    }
                    try {
                        return method.invoke(real, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
        InMemoryAccountDirectory accounts = InMemoryAccountDirectory.create();
        UserId alice = new UserId("auth0|alice");
        accounts.put(alice, Account.of(Did.parse("did:plc:alice00000000000000000000"), Handle.parse("alice.test"),
                Secret.of("pw")));
        try (MoodSyncService service = MoodSyncService.builder().store(slow).repo(InMemoryAtprotoRepo.create())
                .accounts(accounts).clock(clock).mode(SyncMode.QUEUED).startWorker(false).batchSize(1).lease(lease)
                .build()) {
            for (int i = 0; i < 3; i++) {
                service.post(alice, "m" + i);
            }
            assertThat(service.syncNow()).isEqualTo(3);
        }
        assertThat(leftAtClaim).hasSizeGreaterThanOrEqualTo(3);
        assertThat(leftAtClaim).allSatisfy(left -> assertThat(left).isEqualTo(lease));
    }
}
