package computer.aesthetic.moodsync.pds.sync;

import static org.assertj.core.api.Assertions.assertThat;

import computer.aesthetic.moodsync.pds.testing.ReferencePds;
import computer.aesthetic.moodsync.pds.testing.ReferencePdsExtension;
import computer.aesthetic.moodsync.sync.CommitVerifier;
import computer.aesthetic.moodsync.sync.DidKey;
import computer.aesthetic.moodsync.sync.FirehoseEvent;
import computer.aesthetic.moodsync.sync.FirehoseListener;
import computer.aesthetic.moodsync.sync.RepoOp;
import java.time.Duration;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import okhttp3.HttpUrl;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

/**
 * Against the reference PDS: raw XRPC writes (standing in for another client) come back on subscribeRepos as
 * #commit events that decode and verify (k256 signature from the DID document's #atproto key, inversion to
 * prevData). Prints the lag from the write's answer to the event.
 */
@ExtendWith(ReferencePdsExtension.class)
class WebSocketFirehoseIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final MediaType APPLICATION_JSON = MediaType.get("application/json");

    private final OkHttpClient client = new OkHttpClient.Builder().callTimeout(Duration.ofSeconds(30)).build();

    private JsonNode call(Request request) throws Exception {
        try (Response r = client.newCall(request).execute()) {
            String body = r.body().string();
            assertThat(r.code()).as(body).isEqualTo(200);
            return JSON.readTree(body);
        }
    }

    private JsonNode post(ReferencePds pds, String method, String token, Map<String, ?> body) throws Exception {
        Request.Builder b = new Request.Builder().url(pds.url() + "/xrpc/" + method)
                .post(RequestBody.create(JSON.writeValueAsString(body), APPLICATION_JSON));
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        return call(b.build());
    }

    private FirehoseEvent.Commit awaitCommit(BlockingQueue<FirehoseEvent.Commit> commits, String path)
            throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline) {
            FirehoseEvent.Commit c = commits.poll(1, TimeUnit.SECONDS);
            if (c != null && c.ops().stream().anyMatch(op -> op.path().equals(path))) {
                return c;
            }
        }
        throw new AssertionError("no #commit touching " + path + " within 30 s");
    }

    @Test
    void rawXrpcWritesArriveAsVerifiedCommits(ReferencePds pds) throws Exception {
        ReferencePds.Account alice = pds.account(0);
        JsonNode didDoc = call(new Request.Builder().url(pds.plcUrl() + "/" + alice.did()).build());
        DidKey key = null;
        for (JsonNode vm : didDoc.get("verificationMethod")) {
            if (vm.get("id").asString().endsWith("#atproto")) {
                key = DidKey.fromVerificationMethod(vm.get("type").asString(), vm.get("publicKeyMultibase").asString());
            }
        }
        assertThat(key).as("the #atproto key of " + didDoc).isNotNull();

        BlockingQueue<FirehoseEvent.Commit> commits = new LinkedBlockingQueue<>();
        CountDownLatch connected = new CountDownLatch(1);
        try (WebSocketFirehose source = WebSocketFirehose.builder().pds(HttpUrl.get(pds.url())).httpClient(client)
                .listener(new FirehoseListener() {
                    @Override
                    public void onEvent(FirehoseEvent event) {
                        if (event instanceof FirehoseEvent.Commit c && c.repo().value().equals(alice.did())) {
                            commits.add(c);
                        }
                    }

                    @Override
                    public void onConnected(OptionalLong cursor) {
                        connected.countDown();
                    }
                }).build()) {
            source.start();
            assertThat(connected.await(30, TimeUnit.SECONDS)).as("connected to subscribeRepos").isTrue();
            String token = post(pds, "com.atproto.server.createSession", null,
                    Map.of("identifier", alice.handle(), "password", alice.password())).get("accessJwt").asString();
            String rkey = "3kfirehose" + (System.currentTimeMillis() % 1000);
            String path = "computer.aesthetic.mood/" + rkey;
            CommitVerifier verifier = CommitVerifier.of(BouncyCastleSignatureVerifier.create());

            post(pds, "com.atproto.repo.putRecord", token, Map.of("repo", alice.did(),
                    "collection", "computer.aesthetic.mood", "rkey", rkey, "record", Map.of(
                            "$type", "computer.aesthetic.mood", "mood", "written by another client",
                            "when", "2026-01-01T00:00:00.000Z")));
            long written = System.nanoTime();
            FirehoseEvent.Commit created = awaitCommit(commits, path);
            long lagMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - written);
            CommitVerifier.VerifiedCommit v = verifier.verify(created, key);
            assertThat(v.inverted()).as("the PDS sends prevData (sync 1.1)").isTrue();
            RepoOp op = created.ops().stream().filter(o -> o.path().equals(path)).findFirst().orElseThrow();
            assertThat(op.action()).isEqualTo(RepoOp.Action.CREATE);
            assertThat(v.record(op).orElseThrow()).containsEntry("mood", "written by another client");

            post(pds, "com.atproto.repo.deleteRecord", token, Map.of("repo", alice.did(),
                    "collection", "computer.aesthetic.mood", "rkey", rkey));
            FirehoseEvent.Commit deleted = awaitCommit(commits, path);
            assertThat(verifier.verify(deleted, key).inverted()).isTrue();
            assertThat(deleted.ops()).anySatisfy(o -> {
                assertThat(o.action()).isEqualTo(RepoOp.Action.DELETE);
                assertThat(o.prev()).isEqualTo(op.cid());
            });
            assertThat(deleted.since()).contains(created.rev());
            System.out.printf("firehose IT: putRecord answer -> verified #commit in %d ms (key %s)%n", lagMs,
                    key.curve());
        }
    }
}
