package computer.aesthetic.moodsync.examples;

import static org.assertj.core.api.Assertions.assertThat;

import computer.aesthetic.moodsync.MoodSyncService;
import computer.aesthetic.moodsync.PendingReason;
import computer.aesthetic.moodsync.UserId;
import computer.aesthetic.moodsync.spi.Account;
import computer.aesthetic.moodsync.spi.Secret;
import computer.aesthetic.moodsync.syntax.Did;
import computer.aesthetic.moodsync.syntax.Handle;
import computer.aesthetic.moodsync.testing.InMemoryAccountDirectory;
import computer.aesthetic.moodsync.testing.InMemoryAtprotoRepo;
import computer.aesthetic.moodsync.testing.InMemoryMoodStore;
import java.time.Duration;
import java.time.Instant;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The README's table of the fake PDS's faults and the result a post gets from each. */
class FakeFaultsTableTest {
    static final UserId ALICE = new UserId("auth0|alice");
    static final Did ALICE_DID = Did.parse("did:plc:alicealicealicealice");

    static Stream<Arguments> faults() {
        return Stream.of(
                Arguments.of("failNext 503", (Consumer<InMemoryAtprotoRepo>) p -> p.failNext(1, 503, null),
                        PendingReason.PDS_UNAVAILABLE),
                Arguments.of("failNext 0", (Consumer<InMemoryAtprotoRepo>) p -> p.failNext(1, 0, null),
                        PendingReason.PDS_UNAVAILABLE),
                Arguments.of("failNext 500", (Consumer<InMemoryAtprotoRepo>) p -> p.failNext(1, 500,
                        "InternalServerError"), PendingReason.PDS_ERROR),
                Arguments.of("failNext 401", (Consumer<InMemoryAtprotoRepo>) p -> p.failNext(1, 401,
                        "AuthenticationRequired"), PendingReason.SESSION_REFUSED),
                Arguments.of("rateLimitNext", (Consumer<InMemoryAtprotoRepo>) p -> p.rateLimitNext(1,
                        Duration.ofMinutes(5)), PendingReason.RATE_LIMITED),
                Arguments.of("down", (Consumer<InMemoryAtprotoRepo>) p -> p.down(true), PendingReason.PDS_UNAVAILABLE),
                Arguments.of("circuitOpenUntil", (Consumer<InMemoryAtprotoRepo>) p -> p.circuitOpenUntil(
                        Instant.now().plusSeconds(60)), PendingReason.PDS_UNAVAILABLE),
                Arguments.of("latency", (Consumer<InMemoryAtprotoRepo>) p -> p.latency(Duration.ofMillis(1500)),
                        PendingReason.TIMEOUT));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("faults")
    void eachFaultGivesTheResultTheReadmeSays(String name, Consumer<InMemoryAtprotoRepo> fault,
            PendingReason expected) {
        InMemoryAtprotoRepo pds = InMemoryAtprotoRepo.create();
        InMemoryAccountDirectory accounts = InMemoryAccountDirectory.create()
                .put(ALICE, Account.of(ALICE_DID, Handle.parse("alice.test"), Secret.of("app-password")));
        fault.accept(pds);
        try (MoodSyncService moods = MoodSyncService.builder().store(InMemoryMoodStore.create()).repo(pds)
                .accounts(accounts).startWorker(false).inlineTimeout(inlineTimeout(expected)).build()) {
            assertThat(moods.post(ALICE, "x").reason()).contains(expected);
        }
    }

    /**
     * Only the latency case is about the inline wait running out (1.5 s of latency against 1 s); every other fault
     * answers at once, so it gets a wait no loaded machine can exhaust (a cold JVM at load 25 once took over 1 s).
     */
    private static Duration inlineTimeout(PendingReason expected) {
        return expected == PendingReason.TIMEOUT ? Duration.ofSeconds(1) : Duration.ofSeconds(30);
    }
}
