package computer.aesthetic.moodsync.pds;

import static computer.aesthetic.moodsync.pds.MockPds.ACCESS1;
import static computer.aesthetic.moodsync.pds.MockPds.DID;
import static computer.aesthetic.moodsync.pds.MockPds.HANDLE;
import static computer.aesthetic.moodsync.pds.MockPds.PASSWORD;
import static computer.aesthetic.moodsync.pds.MockPds.REFRESH1;
import static computer.aesthetic.moodsync.pds.MockPds.error;
import static computer.aesthetic.moodsync.pds.MockPds.session;
import static org.assertj.core.api.Assertions.assertThat;

import computer.aesthetic.moodsync.MoodSyncService;
import computer.aesthetic.moodsync.PendingReason;
import computer.aesthetic.moodsync.SyncResult;
import computer.aesthetic.moodsync.UserId;
import computer.aesthetic.moodsync.spi.Account;
import computer.aesthetic.moodsync.spi.Secret;
import computer.aesthetic.moodsync.testing.InMemoryAccountDirectory;
import computer.aesthetic.moodsync.testing.InMemoryAtprotoRepo;
import computer.aesthetic.moodsync.testing.InMemoryMoodStore;
import mockwebserver3.MockWebServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A post over the real client and over the in-memory fake ({@code failNext}) gets the same reason for the same
 * HTTP status: tests written against the fake hold against a real PDS.
 */
class ServerErrorReasonTest {
    static final UserId ALICE = new UserId("auth0|alice");

    private MockWebServer server;
    private final InMemoryAccountDirectory accounts = InMemoryAccountDirectory.create()
            .put(ALICE, Account.of(DID, HANDLE, Secret.of(PASSWORD)));

    @BeforeEach
    void start() throws Exception {
        server = new MockWebServer();
        server.start();
    }

    @AfterEach
    void stop() {
        server.close();
    }

    @ParameterizedTest
    @CsvSource({"500, PDS_ERROR", "502, PDS_UNAVAILABLE", "503, PDS_UNAVAILABLE", "504, PDS_UNAVAILABLE"})
    void theRealClientAndTheFakeGiveTheSameReason(int status, PendingReason expected) {
        server.enqueue(session(ACCESS1, REFRESH1));
        server.enqueue(error(status, "Unavailable", "down"));
        PdsAtprotoRepo real = MockPds.fastRepo(server, accounts).maxRetries(0).build();
        InMemoryAtprotoRepo fake = InMemoryAtprotoRepo.create();
        fake.failNext(1, status, "Unavailable");

        assertThat(post(real).reason()).contains(expected);
        assertThat(post(fake).reason()).contains(expected);
    }

    private SyncResult post(computer.aesthetic.moodsync.spi.AtprotoRepo repo) {
        try (MoodSyncService service = MoodSyncService.builder().store(InMemoryMoodStore.create()).repo(repo)
                .accounts(accounts).startWorker(false)
                .inlineTimeout(java.time.Duration.ofSeconds(30)).build()) { // no timing here: a cold JVM under load is slow
            SyncResult result = service.post(ALICE, "x");
            assertThat(result.outcome()).isEqualTo(SyncResult.Outcome.PENDING);
            return result;
        }
    }
}
