package computer.aesthetic.moodsync.pds;

import static computer.aesthetic.moodsync.pds.MockPds.DID;
import static computer.aesthetic.moodsync.pds.MockPds.HANDLE;
import static computer.aesthetic.moodsync.pds.MockPds.MOOD;
import static computer.aesthetic.moodsync.pds.MockPds.PASSWORD;
import static computer.aesthetic.moodsync.pds.MockPds.RKEY;
import static computer.aesthetic.moodsync.pds.MockPds.error;
import static computer.aesthetic.moodsync.pds.MockPds.json;
import static computer.aesthetic.moodsync.pds.MockPds.mood;
import static computer.aesthetic.moodsync.pds.MockPds.session;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import computer.aesthetic.moodsync.PdsException;
import computer.aesthetic.moodsync.spi.Account;
import computer.aesthetic.moodsync.spi.Secret;
import computer.aesthetic.moodsync.spi.SwapRecord;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import mockwebserver3.MockWebServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * Issue 12, finding 6: every secret sent in a call (password, access and refresh tokens, admin password), JWT or
 * not, is removed from any text derived from that call's answer, in messages and logs; URLs with user information
 * are refused without being echoed.
 */
class SecretScrubbingTest {
    /** Opaque tokens: no JWT shape and no Bearer prefix for the patterns to catch. */
    private static final String ACCESS = "opaque-access-token-5f1d0c9e7b";
    private static final String REFRESH = "opaque-refresh-token-8a2b4c6d0e";
    private static final String ADMIN = "admin-pw-7e3c1a";

    private MockWebServer server;
    private ListAppender<ILoggingEvent> appender;
    private Logger root;
    private Level rootLevel;

    @BeforeEach
    void start() throws Exception {
        server = new MockWebServer();
        server.start();
        root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        rootLevel = root.getLevel();
        root.setLevel(Level.TRACE);
        appender = new ListAppender<>();
        appender.start();
        root.addAppender(appender);
    }

    @AfterEach
    void stop() {
        root.detachAppender(appender);
        root.setLevel(rootLevel);
        server.close();
    }

    private List<String> texts(Throwable thrown) {
        List<String> texts = new ArrayList<>();
        for (Throwable t = thrown; t != null; t = t.getCause()) {
            texts.add(t.getMessage());
            texts.add(t.toString());
        }
        for (ILoggingEvent e : appender.list) {
            texts.add(e.getFormattedMessage());
        }
        return texts;
    }

    private void assertNoSecret(Throwable thrown, String... secrets) {
        List<String> texts = texts(thrown);
        assertThat(texts).isNotEmpty();
        for (String text : texts) {
            for (String secret : secrets) {
                assertThat(String.valueOf(text)).doesNotContain(secret);
            }
        }
    }

    @Test
    void aLoginErrorEchoingThePasswordDoesNotPrintIt() {
        PdsAtprotoRepo repo = MockPds.fastRepo(server, new MockPds.Directory().with(DID, PASSWORD)).build();
        for (int i = 0; i < 4; i++) {
            server.enqueue(error(502, "BadGateway", "upstream refused {identifier: " + DID + ", password: " + PASSWORD
                    + "} (" + java.net.URLEncoder.encode(PASSWORD + "!", StandardCharsets.UTF_8) + ")"));
        }
        Throwable thrown = catchIt(() -> repo.putRecord(DID, MOOD, RKEY, mood("x"), SwapRecord.any()));
        assertThat(thrown).isInstanceOf(PdsException.class).hasMessageContaining("HTTP 502");
        assertThat(appender.list).anyMatch(e -> e.getFormattedMessage().contains("retrying"));
        assertNoSecret(thrown, PASSWORD);
    }

    @Test
    void opaqueTokensEchoedByTheirCallAreRemoved() {
        PdsAtprotoRepo repo = MockPds.fastRepo(server, new MockPds.Directory().with(DID, PASSWORD)).maxRetries(0)
                .build();
        server.enqueue(session(ACCESS, REFRESH));
        server.enqueue(error(500, "InternalServerError", "token " + ACCESS + " is bad"));
        Throwable thrown = catchIt(() -> repo.putRecord(DID, MOOD, RKEY, mood("x"), SwapRecord.any()));
        assertNoSecret(thrown, ACCESS, REFRESH, PASSWORD);

        server.enqueue(error(400, "ExpiredToken", "expired"));
        server.enqueue(error(503, "Unavailable", "refresh " + REFRESH + " later"));
        thrown = catchIt(() -> repo.putRecord(DID, MOOD, RKEY, mood("x"), SwapRecord.any()));
        assertNoSecret(thrown, ACCESS, REFRESH, PASSWORD);
    }

    @Test
    void aSuccessfulAnswerEchoingASecretDoesNotPrintIt() {
        PdsAtprotoRepo repo = MockPds.fastRepo(server, new MockPds.Directory().with(DID, PASSWORD)).maxRetries(0)
                .build();
        server.enqueue(session(ACCESS, REFRESH));
        server.enqueue(json(200, "{\"uri\":\"" + ACCESS + "\",\"cid\":\"" + PASSWORD + "\"}"));
        Throwable thrown = catchIt(() -> repo.putRecord(DID, MOOD, RKEY, mood("x"), SwapRecord.any()));
        assertThat(thrown).isInstanceOf(PdsException.class);
        assertNoSecret(thrown, ACCESS, PASSWORD);
    }

    @Test
    void theAdminPasswordEchoedByTheAdminCallIsRemoved() {
        PdsAdmin admin = PdsAdmin.builder().pds(server.url("/").toString()).adminPassword(Secret.of(ADMIN))
                .maxRetries(0).build();
        String basic = Base64.getEncoder().encodeToString(("admin:" + ADMIN).getBytes(StandardCharsets.UTF_8));
        server.enqueue(error(500, "InternalServerError", "auth admin:" + ADMIN + " / " + basic + " failed"));
        Throwable thrown = catchIt(() -> admin.deleteAccount(DID));
        assertNoSecret(thrown, ADMIN, basic);
    }

    @Test
    void urlsWithUserInformationAreRefusedWithoutEchoingThem() {
        String url = "http://user:" + PASSWORD + "@127.0.0.1:" + server.getPort() + "/";
        List<Runnable> builders = List.of(
                () -> PdsAtprotoRepo.builder().defaultPds(url),
                () -> PdsAtprotoRepo.builder().defaultPds(URI.create(url)),
                () -> PdsAdmin.builder().pds(url),
                () -> IdentityResolver.builder().plcDirectory(url),
                () -> IdentityResolver.builder().handleResolver(url),
                () -> PdsAtprotoRepo.builder().defaultPds("ftp://user:" + PASSWORD + "@x"));
        for (Runnable b : builders) {
            assertThatThrownBy(b::run).isInstanceOf(IllegalArgumentException.class)
                    .satisfies(e -> assertThat(e.getMessage()).doesNotContain(PASSWORD));
        }
    }

    @Test
    void anAccountEndpointWithUserInformationIsRefusedWithoutEchoingIt() {
        MockPds.Directory directory = new MockPds.Directory();
        directory.accounts.put(DID, new Account(DID, Optional.of(HANDLE),
                Optional.of(URI.create("http://user:" + PASSWORD + "@127.0.0.1:" + server.getPort())),
                Optional.of(Secret.of("other-password"))));
        PdsAtprotoRepo repo = PdsAtprotoRepo.builder().accounts(directory).maxRetries(0).build();
        Throwable thrown = catchIt(() -> repo.putRecord(DID, MOOD, RKEY, mood("x"), SwapRecord.any()));
        assertThat(thrown).isInstanceOf(PdsException.class);
        assertNoSecret(thrown, PASSWORD);
        assertThat(server.getRequestCount()).isZero();
    }

    private static Throwable catchIt(Runnable call) {
        try {
            call.run();
        } catch (RuntimeException e) {
            return e;
        }
        throw new AssertionError("expected a failure");
    }
}
