package computer.aesthetic.moodsync.pds;

import static computer.aesthetic.moodsync.pds.MockPds.ACCESS1;
import static computer.aesthetic.moodsync.pds.MockPds.DID;
import static computer.aesthetic.moodsync.pds.MockPds.MOOD;
import static computer.aesthetic.moodsync.pds.MockPds.PASSWORD;
import static computer.aesthetic.moodsync.pds.MockPds.REFRESH1;
import static computer.aesthetic.moodsync.pds.MockPds.RKEY;
import static computer.aesthetic.moodsync.pds.MockPds.assertLogin;
import static computer.aesthetic.moodsync.pds.MockPds.body;
import static computer.aesthetic.moodsync.pds.MockPds.cidOf;
import static computer.aesthetic.moodsync.pds.MockPds.error;
import static computer.aesthetic.moodsync.pds.MockPds.json;
import static computer.aesthetic.moodsync.pds.MockPds.mood;
import static computer.aesthetic.moodsync.pds.MockPds.putOk;
import static computer.aesthetic.moodsync.pds.MockPds.session;
import static computer.aesthetic.moodsync.pds.MockPds.take;
import static computer.aesthetic.moodsync.pds.MockPds.tree;
import static computer.aesthetic.moodsync.pds.MockPds.uri;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import computer.aesthetic.moodsync.PdsAuthenticationException;
import computer.aesthetic.moodsync.PdsException;
import computer.aesthetic.moodsync.SwapConflictException;
import computer.aesthetic.moodsync.data.Cid;
import computer.aesthetic.moodsync.spi.CreateResult;
import computer.aesthetic.moodsync.spi.RecordPage;
import computer.aesthetic.moodsync.spi.RepoRecord;
import computer.aesthetic.moodsync.spi.RepoWrite;
import computer.aesthetic.moodsync.spi.SwapRecord;
import computer.aesthetic.moodsync.spi.WriteResult;
import computer.aesthetic.moodsync.syntax.RecordKey;
import computer.aesthetic.moodsync.syntax.Tid;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/** Request shapes and answers of every repo endpoint against MockWebServer. */
class PdsAtprotoRepoTest {
    private MockWebServer server;
    private MockPds.Directory directory;
    private PdsAtprotoRepo repo;

    @BeforeEach
    void start() throws Exception {
        server = new MockWebServer();
        server.start();
        directory = new MockPds.Directory().with(DID, PASSWORD);
        repo = MockPds.fastRepo(server, directory).build();
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private RecordedRequest loggedIn() throws InterruptedException {
        RecordedRequest login = take(server);
        assertLogin(login);
        return take(server);
    }

    @Test
    void putRecordLogsInOnceThenSendsTheRecordWithoutSwap() throws Exception {
        Map<String, Object> value = mood("hello");
        server.enqueue(session(ACCESS1, REFRESH1));
        server.enqueue(putOk(value, true));

        WriteResult result = repo.putRecord(DID, MOOD, RKEY, value, SwapRecord.any());

        RecordedRequest put = loggedIn();
        assertThat(put.getMethod()).isEqualTo("POST");
        assertThat(put.getUrl().encodedPath()).isEqualTo("/xrpc/com.atproto.repo.putRecord");
        assertThat(put.getUrl().query()).isNull();
        assertThat(put.getHeaders().get("Authorization")).isEqualTo("Bearer " + ACCESS1);
        assertThat(put.getHeaders().get("Content-Type")).startsWith("application/json");
        assertThat(body(put)).isEqualTo(tree("{\"repo\":\"" + DID + "\",\"collection\":\"" + MOOD + "\",\"rkey\":\""
                + RKEY + "\",\"record\":{\"$type\":\"computer.aesthetic.mood\",\"mood\":\"hello\","
                + "\"when\":\"2025-10-09T12:00:00.000Z\",\"ref\":\"0123456789abcdef01234567\"}}"));
        assertThat(body(put).has("swapRecord")).isFalse();
        assertThat(body(put).has("validate")).isFalse();
        assertThat(result.uri().toString()).isEqualTo(uri(RKEY));
        assertThat(result.cid()).contains(Cid.parse(cidOf(value)));
        assertThat(result.changed()).isTrue();
    }

    @Test
    void putRecordWithAbsentSwapSendsExplicitNullAndWithCidSendsTheCid() throws Exception {
        Map<String, Object> value = mood("hello");
        server.enqueue(session(ACCESS1, REFRESH1));
        server.enqueue(putOk(value, true));
        server.enqueue(putOk(value, true));

        repo.putRecord(DID, MOOD, RKEY, value, SwapRecord.absent());
        Cid expected = Cid.parse(cidOf(mood("before")));
        repo.putRecord(DID, MOOD, RKEY, value, SwapRecord.cid(expected));

        JsonNode absent = body(loggedIn());
        assertThat(absent.has("swapRecord")).isTrue();
        assertThat(absent.get("swapRecord").isNull()).isTrue();
        assertThat(body(take(server)).get("swapRecord").stringValue()).isEqualTo(expected.toString());
        assertThat(server.getRequestCount()).as("one login for both writes").isEqualTo(3);
    }

    @Test
    void putOfIdenticalContentReportsNoChange() throws Exception {
        Map<String, Object> value = mood("same");
        server.enqueue(session(ACCESS1, REFRESH1));
        server.enqueue(putOk(value, false));

        WriteResult result = repo.putRecord(DID, MOOD, RKEY, value, SwapRecord.any());

        assertThat(result.changed()).isFalse();
        assertThat(result.cid()).contains(Cid.parse(cidOf(value)));
    }

    @Test
    void invalidSwapIsASwapConflictAndNotRetried() throws Exception {
        server.enqueue(session(ACCESS1, REFRESH1));
        server.enqueue(error(400, "InvalidSwap", "Record was at bafyreiabc"));

        assertThatThrownBy(() -> repo.putRecord(DID, MOOD, RKEY, mood("x"), SwapRecord.absent()))
                .isInstanceOf(SwapConflictException.class)
                .satisfies(e -> {
                    PdsException p = (PdsException) e;
                    assertThat(p.httpStatus()).isEqualTo(400);
                    assertThat(p.errorName()).contains("InvalidSwap");
                    assertThat(p.isRetryable()).isFalse();
                    assertThat(p.getMessage()).contains("com.atproto.repo.putRecord", "Record was at");
                });
        assertThat(server.getRequestCount()).isEqualTo(2);
    }

    @Test
    void recordsWhoseTypeIsNotTheCollectionAreRefusedBeforeSending() {
        Map<String, Object> value = mood("x");
        value.put("$type", "app.bsky.feed.post");
        assertThatThrownBy(() -> repo.putRecord(DID, MOOD, RKEY, value, SwapRecord.any()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("$type");
        assertThat(server.getRequestCount()).isZero();
    }

    @Test
    void createIfAbsentPutsWithNullSwapAndCreates() throws Exception {
        Map<String, Object> value = mood("new");
        server.enqueue(session(ACCESS1, REFRESH1));
        server.enqueue(putOk(value, true));

        CreateResult result = repo.createIfAbsent(DID, MOOD, RKEY, value);

        assertThat(result.created()).isTrue();
        assertThat(result.existing()).isEmpty();
        RecordedRequest put = loggedIn();
        assertThat(put.getUrl().encodedPath()).isEqualTo("/xrpc/com.atproto.repo.putRecord");
        assertThat(body(put).get("swapRecord").isNull()).isTrue();
    }

    @Test
    void createIfAbsentReturnsTheExistingRecordOnInvalidSwap() throws Exception {
        Map<String, Object> existing = mood("old");
        server.enqueue(session(ACCESS1, REFRESH1));
        server.enqueue(error(400, "InvalidSwap", "Record was at " + cidOf(existing)));
        server.enqueue(json(200, "{\"uri\":\"" + uri(RKEY) + "\",\"cid\":\"" + cidOf(existing)
                + "\",\"value\":" + MockPds.JSON.writeValueAsString(existing) + "}"));

        CreateResult result = repo.createIfAbsent(DID, MOOD, RKEY, mood("new"));

        assertThat(result.created()).isFalse();
        assertThat(result.existing()).isPresent();
        assertThat(result.existing().get().value()).isEqualTo(existing);
        assertThat(result.written().changed()).isFalse();
        assertThat(result.written().cid()).contains(Cid.parse(cidOf(existing)));
        loggedIn();
        RecordedRequest get = take(server);
        assertThat(get.getMethod()).isEqualTo("GET");
        assertThat(get.getUrl().encodedPath()).isEqualTo("/xrpc/com.atproto.repo.getRecord");
    }

    @Test
    void createIfAbsentOfIdenticalContentIsReportedAsExisting() {
        Map<String, Object> value = mood("same");
        server.enqueue(session(ACCESS1, REFRESH1));
        server.enqueue(putOk(value, false)); // the PDS checks identical content before the swap

        CreateResult result = repo.createIfAbsent(DID, MOOD, RKEY, value);

        assertThat(result.created()).isFalse();
        assertThat(result.existing().orElseThrow().value()).isEqualTo(value);
        assertThat(result.existing().orElseThrow().cid()).isEqualTo(Cid.parse(cidOf(value)));
        assertThat(server.getRequestCount()).isEqualTo(2);
    }

    @Test
    void deleteRecordSendsRepoCollectionRkeyAndOptionalSwap() throws Exception {
        server.enqueue(session(ACCESS1, REFRESH1));
        server.enqueue(json(200, "{}"));
        server.enqueue(json(200, "{\"commit\":{\"cid\":\"" + cidOf(mood("c")) + "\",\"rev\":\"3l2aaaaaaaa22\"}}"));

        repo.deleteRecord(DID, MOOD, RKEY, SwapRecord.any());
        Cid cid = Cid.parse(cidOf(mood("c")));
        repo.deleteRecord(DID, MOOD, RKEY, SwapRecord.cid(cid));

        RecordedRequest first = loggedIn();
        assertThat(first.getMethod()).isEqualTo("POST");
        assertThat(first.getUrl().encodedPath()).isEqualTo("/xrpc/com.atproto.repo.deleteRecord");
        assertThat(first.getHeaders().get("Authorization")).isEqualTo("Bearer " + ACCESS1);
        assertThat(body(first)).isEqualTo(tree("{\"repo\":\"" + DID + "\",\"collection\":\"" + MOOD
                + "\",\"rkey\":\"" + RKEY + "\"}"));
        assertThat(body(take(server)).get("swapRecord").stringValue()).isEqualTo(cid.toString());
    }

    @Test
    void getRecordSendsAQueryAndReadsTheRecord() throws Exception {
        Map<String, Object> value = mood("read me");
        server.enqueue(session(ACCESS1, REFRESH1));
        server.enqueue(json(200, "{\"uri\":\"" + uri(RKEY) + "\",\"cid\":\"" + cidOf(value) + "\",\"value\":"
                + MockPds.JSON.writeValueAsString(value) + "}"));

        Optional<RepoRecord> record = repo.getRecord(DID, MOOD, RKEY);

        RecordedRequest get = loggedIn();
        assertThat(get.getMethod()).isEqualTo("GET");
        assertThat(get.getUrl().encodedPath()).isEqualTo("/xrpc/com.atproto.repo.getRecord");
        assertThat(get.getUrl().queryParameter("repo")).isEqualTo(DID.value());
        assertThat(get.getUrl().queryParameter("collection")).isEqualTo(MOOD.value());
        assertThat(get.getUrl().queryParameter("rkey")).isEqualTo(RKEY.value());
        assertThat(get.getHeaders().get("Authorization")).isEqualTo("Bearer " + ACCESS1);
        assertThat(record).isPresent();
        assertThat(record.get().rkey()).isEqualTo(RKEY);
        assertThat(record.get().value()).isEqualTo(value);
        assertThat(record.get().cid()).isEqualTo(Cid.parse(cidOf(value)));
    }

    @Test
    void recordNotFoundIsEmpty() throws Exception {
        server.enqueue(session(ACCESS1, REFRESH1));
        server.enqueue(error(400, "RecordNotFound", "Could not locate record"));

        assertThat(repo.getRecord(DID, MOOD, RKEY)).isEmpty();
        assertThat(server.getRequestCount()).isEqualTo(2);
    }

    @Test
    void readsOfARepositoryWithoutCredentialsGoAnonymous() throws Exception {
        MockPds.Directory empty = new MockPds.Directory();
        PdsAtprotoRepo anonymous = MockPds.fastRepo(server, empty).build();
        server.enqueue(error(400, "RecordNotFound", "Could not locate record"));

        assertThat(anonymous.getRecord(DID, MOOD, RKEY)).isEmpty();

        RecordedRequest get = take(server);
        assertThat(get.getHeaders().get("Authorization")).isNull();
        assertThatThrownBy(() -> anonymous.deleteRecord(DID, MOOD, RKEY, SwapRecord.any()))
                .isInstanceOf(PdsAuthenticationException.class).hasMessageContaining("no account");
    }

    @Test
    void listRecordsClampsTheLimitAndPassesCursorAndReverse() throws Exception {
        server.enqueue(session(ACCESS1, REFRESH1));
        for (int i = 0; i < 3; i++) {
            server.enqueue(json(200, "{\"records\":[]}"));
        }

        repo.listRecords(DID, MOOD, 0, Optional.empty(), false);
        repo.listRecords(DID, MOOD, 500, Optional.of("3l2cursor2222"), true);
        repo.listRecords(DID, MOOD, 50, Optional.empty(), false);

        RecordedRequest first = loggedIn();
        assertThat(first.getMethod()).isEqualTo("GET");
        assertThat(first.getUrl().encodedPath()).isEqualTo("/xrpc/com.atproto.repo.listRecords");
        assertThat(first.getUrl().query()).isEqualTo("repo=" + DID + "&collection=" + MOOD + "&limit=1");
        assertThat(take(server).getUrl().query()).isEqualTo("repo=" + DID + "&collection=" + MOOD
                + "&limit=100&cursor=3l2cursor2222&reverse=true");
        assertThat(take(server).getUrl().queryParameter("limit")).isEqualTo("50");
    }

    @Test
    void listRecordsReadsRecordsAndCursor() throws Exception {
        Map<String, Object> a = mood("a");
        Map<String, Object> b = mood("b");
        RecordKey k1 = RecordKey.parse("3l2aaaaaaaa22");
        RecordKey k2 = RecordKey.parse("3l2aaaaaaab22");
        server.enqueue(session(ACCESS1, REFRESH1));
        server.enqueue(json(200, "{\"cursor\":\"" + k2 + "\",\"records\":["
                + "{\"uri\":\"" + uri(k1) + "\",\"cid\":\"" + cidOf(a) + "\",\"value\":" + MockPds.JSON.writeValueAsString(a) + "},"
                + "{\"uri\":\"" + uri(k2) + "\",\"cid\":\"" + cidOf(b) + "\",\"value\":" + MockPds.JSON.writeValueAsString(b) + "}]}"));

        RecordPage page = repo.listRecords(DID, MOOD, 100, Optional.empty(), true);

        assertThat(page.cursor()).contains(k2.value());
        assertThat(page.records()).extracting(RepoRecord::rkey).containsExactly(k1, k2);
        assertThat(page.records().get(1).value()).isEqualTo(b);
    }

    @Test
    void malformedRecordsInAListingDoNotBreakIt() throws Exception {
        Map<String, Object> good = mood("good");
        RecordKey k1 = RecordKey.parse("3l2aaaaaaaa22");
        RecordKey k2 = RecordKey.parse("3l2aaaaaaab22");
        RecordKey k3 = RecordKey.parse("3l2aaaaaaac22");
        server.enqueue(session(ACCESS1, REFRESH1));
        server.enqueue(json(200, "{\"records\":["
                + "{\"uri\":\"" + uri(k1) + "\",\"cid\":\"" + cidOf(good) + "\",\"value\":{\"$type\":\"computer.aesthetic.mood\",\"mood\":1.5}},"
                + "{\"uri\":\"" + uri(k2) + "\",\"cid\":\"not-a-cid\",\"value\":{}},"
                + "{\"uri\":\"" + uri(k3) + "\",\"cid\":\"" + cidOf(good) + "\",\"value\":" + MockPds.JSON.writeValueAsString(good) + "}]}"));

        RecordPage page = repo.listRecords(DID, MOOD, 100, Optional.empty(), true);

        assertThat(page.records()).extracting(RepoRecord::rkey).containsExactly(k1, k3);
        assertThat(page.records().get(0).value()).containsEntry("mood", 1.5);
        assertThat(page.records().get(1).value()).isEqualTo(good);
    }

    @Test
    void applyWritesSendsTypedWritesWithoutValidate() throws Exception {
        RecordKey k2 = RecordKey.parse("3l2aaaaaaab22");
        RecordKey k3 = RecordKey.parse("3l2aaaaaaac22");
        Map<String, Object> created = mood("c");
        Map<String, Object> updated = mood("u");
        server.enqueue(session(ACCESS1, REFRESH1));
        server.enqueue(json(200, "{\"commit\":{\"cid\":\"" + cidOf(created) + "\",\"rev\":\"3l2aaaaaaaa22\"},\"results\":["
                + "{\"$type\":\"com.atproto.repo.applyWrites#createResult\",\"uri\":\"" + uri(RKEY) + "\",\"cid\":\"" + cidOf(created) + "\"},"
                + "{\"$type\":\"com.atproto.repo.applyWrites#updateResult\",\"uri\":\"" + uri(k2) + "\",\"cid\":\"" + cidOf(updated) + "\"},"
                + "{\"$type\":\"com.atproto.repo.applyWrites#deleteResult\"}]}"));

        List<WriteResult> results = repo.applyWrites(DID, List.of(new RepoWrite.Create(MOOD, RKEY, created),
                new RepoWrite.Update(MOOD, k2, updated), new RepoWrite.Delete(MOOD, k3)));

        RecordedRequest post = loggedIn();
        assertThat(post.getMethod()).isEqualTo("POST");
        assertThat(post.getUrl().encodedPath()).isEqualTo("/xrpc/com.atproto.repo.applyWrites");
        assertThat(post.getHeaders().get("Authorization")).isEqualTo("Bearer " + ACCESS1);
        assertThat(body(post)).isEqualTo(tree("{\"repo\":\"" + DID + "\",\"writes\":["
                + "{\"$type\":\"com.atproto.repo.applyWrites#create\",\"collection\":\"" + MOOD + "\",\"rkey\":\"" + RKEY
                + "\",\"value\":" + MockPds.JSON.writeValueAsString(created) + "},"
                + "{\"$type\":\"com.atproto.repo.applyWrites#update\",\"collection\":\"" + MOOD + "\",\"rkey\":\"" + k2
                + "\",\"value\":" + MockPds.JSON.writeValueAsString(updated) + "},"
                + "{\"$type\":\"com.atproto.repo.applyWrites#delete\",\"collection\":\"" + MOOD + "\",\"rkey\":\"" + k3 + "\"}]}"));
        assertThat(results).hasSize(3);
        assertThat(results.get(0).cid()).contains(Cid.parse(cidOf(created)));
        assertThat(results.get(1).uri().toString()).isEqualTo(uri(k2));
        assertThat(results.get(2).uri().toString()).isEqualTo(uri(k3));
        assertThat(results.get(2).cid()).isEmpty();
    }

    @Test
    void applyWritesSplitsLongListsIntoCallsOfAtMost200() throws Exception {
        List<RepoWrite> writes = new ArrayList<>();
        for (int i = 0; i < 450; i++) {
            writes.add(new RepoWrite.Delete(MOOD, Tid.of(1_700_000_000_000_000L + i, 0).toRecordKey()));
        }
        server.enqueue(session(ACCESS1, REFRESH1));
        for (int i = 0; i < 3; i++) {
            server.enqueue(json(200, "{}"));
        }

        List<WriteResult> results = repo.applyWrites(DID, writes);

        assertThat(results).hasSize(450);
        JsonNode first = body(loggedIn());
        assertThat(first.get("writes").size()).isEqualTo(200);
        assertThat(first.get("writes").get(0).get("rkey").stringValue()).isEqualTo(writes.get(0).rkey().value());
        assertThat(body(take(server)).get("writes").size()).isEqualTo(200);
        JsonNode third = body(take(server));
        assertThat(third.get("writes").size()).isEqualTo(50);
        assertThat(third.get("writes").get(49).get("rkey").stringValue()).isEqualTo(writes.get(449).rkey().value());
        assertThat(results.get(449).uri().rkey()).contains(writes.get(449).rkey());
    }

    @Test
    void aFailedLaterBatchSaysHowManyWritesWereApplied() throws Exception {
        List<RepoWrite> writes = new ArrayList<>();
        for (int i = 0; i < 201; i++) {
            writes.add(new RepoWrite.Delete(MOOD, Tid.of(1_700_000_000_000_000L + i, 0).toRecordKey()));
        }
        server.enqueue(session(ACCESS1, REFRESH1));
        server.enqueue(json(200, "{}"));
        server.enqueue(error(400, "InvalidRequest", "bad write"));

        assertThatThrownBy(() -> repo.applyWrites(DID, writes))
                .isInstanceOf(PdsException.class)
                .hasMessageContaining("batch 2 of 2")
                .hasMessageContaining("200 writes of the earlier batches were applied");
    }

    @Test
    void toStringShowsNoSecrets() throws Exception {
        server.enqueue(session(ACCESS1, REFRESH1));
        server.enqueue(putOk(mood("x"), true));
        repo.putRecord(DID, MOOD, RKEY, mood("x"), SwapRecord.any());

        assertThat(repo.toString()).doesNotContain(ACCESS1, REFRESH1, PASSWORD).contains("PdsAtprotoRepo");
    }
}
