package computer.aesthetic.moodsync.pds;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import computer.aesthetic.moodsync.RateLimitedException;
import computer.aesthetic.moodsync.pds.testing.PrivateReferencePdsExtension;
import computer.aesthetic.moodsync.pds.testing.ReferencePds;
import computer.aesthetic.moodsync.spi.RepoWrite;
import computer.aesthetic.moodsync.spi.WriteBudget;
import computer.aesthetic.moodsync.syntax.Did;
import computer.aesthetic.moodsync.syntax.Nsid;
import computer.aesthetic.moodsync.syntax.TidClock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * With {@code PDS_RATE_LIMITS_ENABLED=true} (a private PDS): spend one account's hourly write budget down with 8
 * applyWrites of 200 creates (4800 of 5000 points); the client reports what is left from the headers, and the next
 * batch, which would overrun, is not sent: it fails with a typed "budget exhausted until T" error, and no 429 is
 * earned.
 */
class PdsRateLimitIT {
    private static final Nsid MOOD = Nsid.parse("computer.aesthetic.mood");
    @RegisterExtension
    static final PrivateReferencePdsExtension PDS = new PrivateReferencePdsExtension(
            ReferencePds.Options.defaults().withRateLimits(true).withAccounts(1));

    private static List<RepoWrite> creates(TidClock tids, int n) {
        List<RepoWrite> writes = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Map<String, Object> v = new LinkedHashMap<>();
            v.put("$type", MOOD.value());
            v.put("mood", "budget " + i);
            v.put("when", "2025-10-09T12:00:00.000Z");
            writes.add(new RepoWrite.Create(MOOD, tids.next().toRecordKey(), v));
        }
        return writes;
    }

    @Test
    void aBatchThatWouldOverrunTheHourlyBudgetIsNotSent(ReferencePds pds) {
        assertThat(pds.rateLimits()).isTrue();
        PdsAtprotoRepo repo = ItAccounts.repo(pds).maxBudgetWait(Duration.ofSeconds(2)).build();
        Did did = Did.parse(pds.account(0).did());
        TidClock tids = TidClock.create();

        for (int batch = 0; batch < 8; batch++) {
            repo.applyWrites(did, creates(tids, 200));
        }

        WriteBudget budget = repo.writeBudget(did).orElseThrow();
        assertThat(budget.limit()).isEqualTo(5000);
        assertThat(budget.remaining()).isEqualTo(200);
        assertThat(budget.resetAt()).isAfter(Instant.now().plus(Duration.ofMinutes(50)));

        List<RepoWrite> ninth = creates(tids, 200);
        assertThatThrownBy(() -> repo.applyWrites(did, ninth))
                .isInstanceOf(RateLimitedException.class)
                .hasMessageContaining("exhausted until " + budget.resetAt())
                .satisfies(e -> {
                    RateLimitedException r = (RateLimitedException) e;
                    assertThat(r.httpStatus()).as("refused by the client, not a 429").isZero();
                    assertThat(r.errorName()).contains("WriteBudgetExhausted");
                    assertThat(r.retryAt()).contains(budget.resetAt());
                });
        // nothing of the ninth batch was sent
        assertThat(repo.getRecord(did, MOOD, ninth.get(0).rkey())).isEmpty();
        assertThat(repo.writeBudget(did).orElseThrow().remaining()).isEqualTo(200);
        // what fits is still sent: 60 creates are 180 points
        assertThat(repo.applyWrites(did, creates(tids, 60))).hasSize(60);
        assertThat(repo.writeBudget(did).orElseThrow().remaining()).isEqualTo(20);
    }
}
