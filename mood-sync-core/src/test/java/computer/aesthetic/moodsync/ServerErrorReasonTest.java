package computer.aesthetic.moodsync;

import static org.assertj.core.api.Assertions.assertThat;

import computer.aesthetic.moodsync.spi.Account;
import computer.aesthetic.moodsync.spi.Secret;
import computer.aesthetic.moodsync.syntax.Did;
import computer.aesthetic.moodsync.syntax.Handle;
import computer.aesthetic.moodsync.testing.InMemoryAccountDirectory;
import computer.aesthetic.moodsync.testing.InMemoryAtprotoRepo;
import computer.aesthetic.moodsync.testing.InMemoryMoodStore;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * What a post says when the PDS answers a 5xx: 502, 503 and 504 mean the PDS (or its gateway) cannot serve now, as
 * no answer at all does, so they are {@code PDS_UNAVAILABLE} and never park; a 500 is the PDS's own error.
 * The real client maps the same statuses the same way ({@code ServerErrorReasonTest} in mood-sync-atproto).
 */
class ServerErrorReasonTest {
    static final UserId ALICE = new UserId("auth0|alice");
    static final Did ALICE_DID = Did.parse("did:plc:alice00000000000000000000");

    final MutableClock clock = new MutableClock(Instant.parse("2026-11-28T10:00:00Z"));
    final InMemoryMoodStore store = InMemoryMoodStore.create();
    final InMemoryAtprotoRepo pds = InMemoryAtprotoRepo.builder().clock(clock).build();
    final InMemoryAccountDirectory accounts = InMemoryAccountDirectory.create()
            .put(ALICE, Account.of(ALICE_DID, Handle.parse("alice.test"), Secret.of("pw-alice")));
    final MoodSyncService service = MoodSyncService.builder().store(store).repo(pds).accounts(accounts).clock(clock)
            .startWorker(false).maxAttempts(3).backoff(Duration.ofSeconds(1), Duration.ofSeconds(10)).build();

    @AfterEach
    void close() {
        service.close();
    }

    @ParameterizedTest
    @ValueSource(ints = {502, 503, 504})
    void aGatewayOrUnavailableAnswerIsPdsUnavailableAndNeverParks(int status) {
        pds.failNext(1, status, null);
        SyncResult result = service.post(ALICE, "during a 5xx");
        assertThat(result.outcome()).isEqualTo(SyncResult.Outcome.PENDING);
        assertThat(result.reason()).contains(PendingReason.PDS_UNAVAILABLE);

        pds.failNext(10, status, null);
        for (int i = 0; i < 5; i++) { // more failed attempts than maxAttempts
            clock.advance(Duration.ofMinutes(1));
            service.syncNow();
        }
        assertThat(store.find(result.moodId()).orElseThrow().syncState()).isEqualTo(SyncState.PENDING);
    }

    @Test
    void aPlainServerErrorIsPdsError() {
        pds.failNext(1, 500, "InternalServerError");
        SyncResult result = service.post(ALICE, "during a 500");
        assertThat(result.reason()).contains(PendingReason.PDS_ERROR);
    }
}
