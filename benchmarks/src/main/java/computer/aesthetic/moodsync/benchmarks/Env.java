package computer.aesthetic.moodsync.benchmarks;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.MongoDatabase;
import computer.aesthetic.moodsync.mongo.embedded.EmbeddedMongo;
import computer.aesthetic.moodsync.pds.testing.ReferencePds;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.bson.Document;

/**
 * The shared environment of one benchmark process: the real reference PDS (rate limits off), the embedded MongoDB
 * and a client of it. Accounts are created on demand, fresh for every run, so that no run sees another's records.
 */
final class Env implements AutoCloseable {
    /** A PDS account, with the access token its creation returned (for raw clients that skip the login). */
    record Acct(String handle, String did, String password, String accessJwt) {
        @Override
        public String toString() {
            return "Acct[" + handle + ", " + did + "]";
        }
    }

    private static final AtomicInteger SEQ = new AtomicInteger();

    private ReferencePds pds;
    private EmbeddedMongo mongo;
    private MongoClient client;
    private RawXrpc raw;
    private final AtomicInteger databases = new AtomicInteger();
    final List<String> notes = new ArrayList<>();

    synchronized ReferencePds pds() {
        if (pds == null) {
            long t0 = System.nanoTime();
            pds = ReferencePds.start(new ReferencePds.Options(false, 0));
            Bench.log("reference PDS up at %s in %.1f s (rate limits %s)", pds.url(),
                    Stats.seconds(System.nanoTime() - t0), pds.rateLimits() ? "ON" : "off");
            raw = new RawXrpc(pds.url());
        }
        return pds;
    }

    RawXrpc raw() {
        pds();
        return raw;
    }

    synchronized MongoClient mongo() {
        if (mongo == null) {
            mongo = EmbeddedMongo.start();
            client = MongoClients.create(mongo.connectionString());
        }
        return client;
    }

    /** A fresh, empty database of the embedded MongoDB. */
    MongoDatabase freshDatabase(String prefix) {
        return mongo().getDatabase(prefix + "_" + databases.incrementAndGet());
    }

    /** Creates {@code n} fresh accounts on the PDS (4 at a time: the PDS hashes each password). */
    List<Acct> accounts(int n) {
        RawXrpc xrpc = raw();
        List<java.util.concurrent.CompletableFuture<Acct>> fs = new ArrayList<>(n);
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(4);
        try {
            for (int i = 0; i < n; i++) {
                int k = SEQ.incrementAndGet();
                fs.add(java.util.concurrent.CompletableFuture.supplyAsync(() -> {
                    String handle = "bench" + k + ".test";
                    String password = "bench-password-" + k;
                    tools.jackson.databind.JsonNode r = xrpc.createAccount(handle, "bench" + k + "@example.com",
                            password);
                    return new Acct(handle, r.get("did").asString(), password, r.get("accessJwt").asString());
                }, pool));
            }
            return fs.stream().map(java.util.concurrent.CompletableFuture::join).toList();
        } finally {
            pool.shutdown();
        }
    }

    /** Writes the users documents of the origin schema: {@code {_id: sub, atproto: {did, handle, password}}}. */
    static void writeUsers(MongoDatabase db, List<String> subs, List<Acct> accounts) {
        List<Document> docs = new ArrayList<>();
        for (int i = 0; i < subs.size(); i++) {
            Acct a = accounts.get(i);
            docs.add(new Document("_id", subs.get(i)).append("atproto",
                    new Document("did", a.did()).append("handle", a.handle()).append("password", a.password())));
        }
        db.getCollection("users").insertMany(docs);
    }

    @Override
    public synchronized void close() {
        if (client != null) {
            client.close();
        }
        if (mongo != null) {
            mongo.close();
        }
        if (pds != null) {
            pds.close();
        }
    }
}
