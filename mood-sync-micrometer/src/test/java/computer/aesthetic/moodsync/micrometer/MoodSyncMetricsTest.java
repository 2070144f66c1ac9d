package computer.aesthetic.moodsync.micrometer;

import static org.assertj.core.api.Assertions.assertThat;

import computer.aesthetic.moodsync.MoodSyncService;
import computer.aesthetic.moodsync.SyncResult;
import computer.aesthetic.moodsync.UserId;
import computer.aesthetic.moodsync.spi.Account;
import computer.aesthetic.moodsync.spi.Secret;
import computer.aesthetic.moodsync.syntax.Did;
import computer.aesthetic.moodsync.syntax.Handle;
import computer.aesthetic.moodsync.testing.InMemoryAccountDirectory;
import computer.aesthetic.moodsync.testing.InMemoryAtprotoRepo;
import computer.aesthetic.moodsync.testing.InMemoryMoodStore;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** What a host's registry shows of the service and its PDS calls. */
class MoodSyncMetricsTest {
    static final UserId ALICE = new UserId("auth0|alice");
    static final UserId NOBODY = new UserId("auth0|nobody");
    static final Did ALICE_DID = Did.parse("did:plc:alicealicealicealice");

    final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    final InMemoryAtprotoRepo pds = InMemoryAtprotoRepo.builder().writeBudget(5000).build();
    final MeteredAtprotoRepo repo = MeteredAtprotoRepo.wrap(pds, registry);
    final MoodSyncService moods = MoodSyncService.builder().store(InMemoryMoodStore.create()).repo(repo)
            .accounts(InMemoryAccountDirectory.create()
                    .put(ALICE, Account.of(ALICE_DID, Handle.parse("alice.test"), Secret.of("pw"))))
            .startWorker(false).backoff(Duration.ofMillis(1), Duration.ofMillis(1)).build();
    final MoodSyncMetrics metrics = MoodSyncMetrics.of(moods, repo);

    @AfterEach
    void close() {
        moods.close();
    }

    private double counter(String name, String... tags) {
        return registry.get(name).tags(tags).functionCounter().count();
    }

    private double gauge(String name) {
        return registry.get(name).gauge().value();
    }

    @Test
    void countersAndGaugesFollowStats() throws InterruptedException {
        metrics.bindTo(registry);
        assertThat(gauge("moodsync.pds.write.budget.remaining")).as("no budget known yet").isNaN();

        assertThat(moods.post(ALICE, "synced inline").outcome()).isEqualTo(SyncResult.Outcome.SYNCED);
        pds.failNext(1, 503, null);
        moods.post(ALICE, "pending");
        moods.post(NOBODY, "no account");
        metrics.refresh();

        assertThat(counter("moodsync.moods.stored")).isEqualTo(2);
        assertThat(counter("moodsync.moods.synced", "path", "inline")).isEqualTo(1);
        assertThat(counter("moodsync.moods.synced", "path", "worker")).isZero();
        assertThat(counter("moodsync.moods.no.account")).isEqualTo(1);
        assertThat(gauge("moodsync.moods.pending")).isEqualTo(1);
        assertThat(gauge("moodsync.moods.parked")).isZero();
        assertThat(registry.get("moodsync.moods.pending.oldest.age").timeGauge().value(TimeUnit.MILLISECONDS))
                .isGreaterThanOrEqualTo(0);
        assertThat(registry.get("moodsync.sync.failures").functionCounters()).hasSize(1);
        assertThat(registry.get("moodsync.sync.failures").functionCounter().count()).isEqualTo(1);
        assertThat(gauge("moodsync.pds.write.budget.remaining")).as("5000 points less one put").isEqualTo(4998);

        Thread.sleep(20); // past the 1 ms backoff
        assertThat(moods.syncNow()).isEqualTo(1);
        metrics.refresh();
        assertThat(counter("moodsync.moods.synced", "path", "worker")).isEqualTo(1);
        assertThat(gauge("moodsync.moods.pending")).isZero();
    }

    @Test
    void pdsCallsAreTimedByMethodAndOutcome() {
        metrics.bindTo(registry);
        moods.post(ALICE, "one");
        pds.failNext(1, 503, null);
        moods.post(ALICE, "two");

        long ok = registry.get(MeteredAtprotoRepo.CALLS).tag("outcome", "success").timers().stream()
                .mapToLong(t -> t.count()).sum();
        long failed = registry.get(MeteredAtprotoRepo.CALLS).tag("outcome", "PdsException").timers().stream()
                .mapToLong(t -> t.count()).sum();
        assertThat(ok).isEqualTo(1);
        assertThat(failed).isEqualTo(1);
        assertThat(registry.get(MeteredAtprotoRepo.CALLS).tag("outcome", "success").timer().getId().getTag("method"))
                .startsWith("com.atproto.repo.");
    }

    @Test
    void theCircuitGaugeIsOneWhileTheClientsBreakerIsOpen() {
        metrics.bindTo(registry);
        assertThat(gauge("moodsync.pds.circuit.open")).isZero();

        pds.circuitOpenUntil(Instant.now().plusSeconds(60));
        moods.post(ALICE, "while open");
        assertThat(gauge("moodsync.pds.circuit.open")).isEqualTo(1);

        pds.circuitOpenUntil(null);
        assertThat(gauge("moodsync.pds.circuit.open")).as("closed again").isZero();
    }
}
