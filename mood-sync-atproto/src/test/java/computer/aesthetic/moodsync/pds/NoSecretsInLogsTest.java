package computer.aesthetic.moodsync.pds;

import static computer.aesthetic.moodsync.pds.MockPds.ACCESS1;
import static computer.aesthetic.moodsync.pds.MockPds.ACCESS2;
import static computer.aesthetic.moodsync.pds.MockPds.DID;
import static computer.aesthetic.moodsync.pds.MockPds.MOOD;
import static computer.aesthetic.moodsync.pds.MockPds.PASSWORD;
import static computer.aesthetic.moodsync.pds.MockPds.REFRESH1;
import static computer.aesthetic.moodsync.pds.MockPds.REFRESH2;
import static computer.aesthetic.moodsync.pds.MockPds.RKEY;
import static computer.aesthetic.moodsync.pds.MockPds.error;
import static computer.aesthetic.moodsync.pds.MockPds.mood;
import static computer.aesthetic.moodsync.pds.MockPds.putOk;
import static computer.aesthetic.moodsync.pds.MockPds.session;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.core.read.ListAppender;
import computer.aesthetic.moodsync.PdsException;
import computer.aesthetic.moodsync.pds.internal.Session;
import computer.aesthetic.moodsync.spi.Secret;
import computer.aesthetic.moodsync.spi.SwapRecord;
import java.util.ArrayList;
import java.util.List;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import okhttp3.HttpUrl;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** Captures every log line of a session's life and checks that no token or password is in any of them. */
class NoSecretsInLogsTest {
    private static final List<String> SECRETS = List.of(PASSWORD, ACCESS1, REFRESH1, ACCESS2, REFRESH2);

    private MockWebServer server;
    private ListAppender<ILoggingEvent> appender;
    private Logger root;
    private Level rootLevel;
    private final List<String> exceptionTexts = new ArrayList<>();

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

    @Test
    void aSessionsWholeLifeLogsNoTokenOrPassword() {
        MockPds.Directory directory = new MockPds.Directory().with(DID, PASSWORD);
        PdsAtprotoRepo repo = MockPds.fastRepo(server, directory).build();
        // login, a write
        server.enqueue(session(ACCESS1, REFRESH1));
        server.enqueue(putOk(mood("a"), true));
        // an expired token, refreshed
        server.enqueue(error(400, "ExpiredToken", "Token has expired"));
        server.enqueue(session(ACCESS2, REFRESH2));
        server.enqueue(putOk(mood("a"), true));
        // expired again, the refresh is refused (the PDS echoes the token, as a careless one might), login refused
        server.enqueue(error(400, "ExpiredToken", "Token " + ACCESS2 + " has expired"));
        server.enqueue(error(400, "ExpiredToken", "Refresh token " + REFRESH2 + " expired"));
        server.enqueue(error(401, "AuthenticationRequired", "Invalid identifier or password"));
        // a server error page echoing the Authorization header
        server.enqueue(session(ACCESS1, REFRESH1));
        for (int i = 0; i < 4; i++) {
            server.enqueue(new MockResponse.Builder().code(500).body("Authorization: Bearer " + ACCESS1).build());
        }

        repo.putRecord(DID, MOOD, RKEY, mood("a"), SwapRecord.any());
        repo.putRecord(DID, MOOD, RKEY, mood("a"), SwapRecord.any());
        capture(() -> repo.putRecord(DID, MOOD, RKEY, mood("a"), SwapRecord.any()));
        directory.with(DID, PASSWORD + "-changed");
        capture(() -> repo.getRecord(DID, MOOD, RKEY));

        assertThat(appender.list).as("the life of the session was logged").isNotEmpty();
        assertThat(exceptionTexts).hasSize(4).anyMatch(t -> t.contains("refused to log in")).anyMatch(t -> t.contains("HTTP 500"));
        List<String> texts = new ArrayList<>(exceptionTexts);
        for (ILoggingEvent e : appender.list) {
            texts.add(e.getFormattedMessage());
            texts.add(String.valueOf(e.getMDCPropertyMap()));
            for (IThrowableProxy t = e.getThrowableProxy(); t != null; t = t.getCause()) {
                texts.add(t.getMessage());
            }
        }
        texts.add(repo.toString());
        for (String text : texts) {
            for (String secret : SECRETS) {
                assertThat(String.valueOf(text)).doesNotContain(secret);
            }
        }
    }

    @Test
    void sessionsAndSecretsDoNotPrintTheirTokens() {
        Session s = new Session(DID, HttpUrl.get("https://pds.example"), Secret.of(ACCESS1), Secret.of(REFRESH1), 1);
        assertThat(s.toString()).doesNotContain(ACCESS1, REFRESH1).contains(DID.value());
        PdsAdmin admin = PdsAdmin.builder().pds("https://pds.example").adminPassword(Secret.of(PASSWORD)).build();
        assertThat(admin.toString()).doesNotContain(PASSWORD);
    }

    private void capture(Runnable call) {
        assertThatThrownBy(call::run).isInstanceOf(PdsException.class).satisfies(e -> {
            for (Throwable t = e; t != null; t = t.getCause()) {
                exceptionTexts.add(t.getMessage());
                exceptionTexts.add(t.toString());
            }
        });
    }
}
