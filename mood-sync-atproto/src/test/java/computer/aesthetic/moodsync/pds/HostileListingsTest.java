package computer.aesthetic.moodsync.pds;

import static computer.aesthetic.moodsync.pds.MockPds.ACCESS1;
import static computer.aesthetic.moodsync.pds.MockPds.DID;
import static computer.aesthetic.moodsync.pds.MockPds.MOOD;
import static computer.aesthetic.moodsync.pds.MockPds.PASSWORD;
import static computer.aesthetic.moodsync.pds.MockPds.REFRESH1;
import static computer.aesthetic.moodsync.pds.MockPds.RKEY;
import static computer.aesthetic.moodsync.pds.MockPds.cidOf;
import static computer.aesthetic.moodsync.pds.MockPds.json;
import static computer.aesthetic.moodsync.pds.MockPds.mood;
import static computer.aesthetic.moodsync.pds.MockPds.session;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import computer.aesthetic.moodsync.PdsException;
import java.util.Map;
import java.util.Optional;
import java.util.StringJoiner;
import mockwebserver3.MockWebServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Issue 12, finding 8: hostile listings. A cursor seen anywhere earlier in the walk ends it with a typed error,
 * pages larger than asked are refused, and records are checked against the request (repository, collection, key).
 */
class HostileListingsTest {
    private MockWebServer server;
    private PdsAtprotoRepo repo;

    @BeforeEach
    void start() throws Exception {
        server = new MockWebServer();
        server.start();
        repo = MockPds.fastRepo(server, new MockPds.Directory().with(DID, PASSWORD)).build();
        server.enqueue(session(ACCESS1, REFRESH1));
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private static String record(String uri) throws Exception {
        Map<String, Object> v = mood("x");
        return "{\"uri\":\"" + uri + "\",\"cid\":\"" + cidOf(v) + "\",\"value\":" + MockPds.JSON.writeValueAsString(v)
                + "}";
    }

    @Test
    void aCursorCycleEndsTheListingAtOnce() {
        server.enqueue(json(200, "{\"cursor\":\"A\",\"records\":[]}"));
        server.enqueue(json(200, "{\"cursor\":\"B\",\"records\":[]}"));
        server.enqueue(json(200, "{\"cursor\":\"A\",\"records\":[]}"));
        for (int i = 0; i < 20; i++) {
            server.enqueue(json(200, "{\"cursor\":\"" + (i % 2 == 0 ? "B" : "A") + "\",\"records\":[]}"));
        }

        assertThatThrownBy(() -> repo.listAll(DID, MOOD).toList()).isInstanceOf(PdsException.class)
                .hasMessageContaining("cursor");
        assertThat(server.getRequestCount()).as("login and three pages").isEqualTo(4);
    }

    @Test
    void aPageLargerThanAskedIsRefused() throws Exception {
        StringJoiner records = new StringJoiner(",");
        for (int i = 0; i < 101; i++) {
            records.add(record("at://" + DID + "/" + MOOD + "/3l2abcdefg" + String.format("%03d", i)));
        }
        server.enqueue(json(200, "{\"records\":[" + records + "]}"));

        assertThatThrownBy(() -> repo.listRecords(DID, MOOD, 100, Optional.empty(), true))
                .isInstanceOf(PdsException.class).hasMessageContaining("101").hasMessageContaining("100");
    }

    @ParameterizedTest
    @ValueSource(strings = {"at://did:plc:otherotherotherotherothe/computer.aesthetic.mood/3l2abcdefgh22",
        "at://" + "did:plc:abcdefghijklmnopqrstuvwx" + "/app.bsky.feed.post/3l2abcdefgh22"})
    void aListedRecordOfAnotherRepoOrCollectionIsRefused(String uri) throws Exception {
        server.enqueue(json(200, "{\"records\":[" + record(uri) + "]}"));
        assertThatThrownBy(() -> repo.listRecords(DID, MOOD, 100, Optional.empty(), true))
                .isInstanceOf(PdsException.class).hasMessageContaining("another");
    }

    @ParameterizedTest
    @ValueSource(strings = {"at://did:plc:otherotherotherotherothe/computer.aesthetic.mood/3l2abcdefgh22",
        "at://did:plc:abcdefghijklmnopqrstuvwx/app.bsky.feed.post/3l2abcdefgh22",
        "at://did:plc:abcdefghijklmnopqrstuvwx/computer.aesthetic.mood/3l2zzzzzzzz22"})
    void aReadRecordOfAnotherRepoCollectionOrKeyIsRefused(String uri) throws Exception {
        server.enqueue(json(200, record(uri)));
        assertThat(RKEY.value()).isEqualTo("3l2abcdefgh22");
        assertThatThrownBy(() -> repo.getRecord(DID, MOOD, RKEY)).isInstanceOf(PdsException.class)
                .hasMessageContaining("another");
    }
}
