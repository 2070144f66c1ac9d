package computer.aesthetic.moodsync.benchmarks;

import computer.aesthetic.moodsync.record.MoodRecords;
import computer.aesthetic.moodsync.syntax.AtDatetime;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.LongAdder;
import okhttp3.ConnectionPool;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import tools.jackson.core.JsonGenerator;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.json.JsonMapper;

/**
 * The best raw client for the migration's PDS side: the same shape as {@code Migrator.migrate} (the same users, the
 * same number of users at once, one {@code createSession} per user, {@code applyWrites} of 200 creates at
 * {@code rkeyFor(id)}), with nothing else: plain OkHttp (one shared client, keep-alive connections), request bodies
 * streamed with a Jackson generator, answers checked for status 200 and skipped, no MongoDB, no reconcile, no retries.
 * It is the yardstick migrate is judged against (issue 15): what any client must spend to do the same writes.
 */
final class RawMigration {
    private static final MediaType JSON = MediaType.get("application/json");
    private static final ObjectMapper MAPPER = JsonMapper.builder().build();

    private final OkHttpClient http;
    private final String base;
    /** Nanoseconds summed over the threads, per phase: login, body (encoding), applyWrites. */
    final LongAdder loginNanos = new LongAdder();
    final LongAdder encodeNanos = new LongAdder();
    final LongAdder writeNanos = new LongAdder();

    RawMigration(String base) {
        this.base = base;
        this.http = new OkHttpClient.Builder()
                .connectionPool(new ConnectionPool(16, 5, java.util.concurrent.TimeUnit.MINUTES))
                .readTimeout(Duration.ofSeconds(120))
                .callTimeout(Duration.ofSeconds(180))
                .build();
    }

    /**
     * Migrates every user's moods with {@code threads} users at once; returns the wall time in nanoseconds.
     *
     * @param users the users' accounts, in order
     * @param moods per user, that user's moods
     */
    long migrate(List<Env.Acct> users, List<List<Moods.M>> moods, int threads) {
        ExecutorService pool = Executors.newFixedThreadPool(Math.min(threads, users.size()));
        try {
            long t0 = System.nanoTime();
            List<Future<?>> fs = new ArrayList<>();
            for (int u = 0; u < users.size(); u++) {
                Env.Acct a = users.get(u);
                List<Moods.M> mine = moods.get(u);
                fs.add(pool.submit(() -> migrateUser(a, mine)));
            }
            for (Future<?> f : fs) {
                f.get();
            }
            return System.nanoTime() - t0;
        } catch (Exception e) {
            throw new IllegalStateException("raw migration failed", e);
        } finally {
            pool.shutdownNow();
        }
    }

    private void migrateUser(Env.Acct a, List<Moods.M> mine) {
        long l0 = System.nanoTime();
        String token = login(a.did(), a.password());
        loginNanos.add(System.nanoTime() - l0);
        for (int from = 0; from < mine.size(); from += 200) {
            long e0 = System.nanoTime();
            byte[] body = applyWritesBody(a.did(), mine.subList(from, Math.min(mine.size(), from + 200)));
            long w0 = System.nanoTime();
            encodeNanos.add(w0 - e0);
            post("com.atproto.repo.applyWrites", token, body);
            writeNanos.add(System.nanoTime() - w0);
        }
    }

    String login(String identifier, String password) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(128);
        try (JsonGenerator g = MAPPER.createGenerator(out)) {
            g.writeStartObject();
            g.writeStringProperty("identifier", identifier);
            g.writeStringProperty("password", password);
            g.writeEndObject();
        }
        JsonNode r = MAPPER.readTree(post("com.atproto.server.createSession", null, out.toByteArray()));
        return r.get("accessJwt").asString();
    }

    /** {@code {repo, writes: [{$type: ...#create, collection, rkey, value: {...}}]}}, the record as the library's. */
    static byte[] applyWritesBody(String did, List<Moods.M> batch) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(256 * batch.size());
        String collection = MoodRecords.COLLECTION.toString();
        try (JsonGenerator g = MAPPER.createGenerator(out)) {
            g.writeStartObject();
            g.writeStringProperty("repo", did);
            g.writeArrayPropertyStart("writes");
            for (Moods.M m : batch) {
                g.writeStartObject();
                g.writeStringProperty("$type", "com.atproto.repo.applyWrites#create");
                g.writeStringProperty("collection", collection);
                g.writeStringProperty("rkey", MoodRecords.rkeyFor(m.id()).value());
                g.writeObjectPropertyStart("value");
                g.writeStringProperty("$type", collection);
                g.writeStringProperty("mood", m.text());
                g.writeStringProperty("when", AtDatetime.of(m.when()).toString());
                g.writeStringProperty("ref", m.id().toString());
                g.writeEndObject();
                g.writeEndObject();
            }
            g.writeEndArray();
            g.writeEndObject();
        }
        return out.toByteArray();
    }

    /** POSTs and returns the answer's bytes; anything but 200 is an error. */
    byte[] post(String nsid, String token, byte[] body) {
        Request.Builder b = new Request.Builder().url(base + "/xrpc/" + nsid).post(RequestBody.create(body, JSON));
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        try (Response res = http.newCall(b.build()).execute()) {
            byte[] answer = res.body().bytes();
            if (res.code() != 200) {
                throw new IllegalStateException(nsid + ": HTTP " + res.code() + " "
                        + new String(answer, java.nio.charset.StandardCharsets.UTF_8));
            }
            return answer;
        } catch (IOException e) {
            throw new UncheckedIOException(nsid + " failed", e);
        }
    }

    void close() {
        http.dispatcher().executorService().shutdown();
        http.connectionPool().evictAll();
    }
}
