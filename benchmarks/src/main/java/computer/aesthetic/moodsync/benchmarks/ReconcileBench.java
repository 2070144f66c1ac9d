package computer.aesthetic.moodsync.benchmarks;

import com.mongodb.client.MongoDatabase;
import computer.aesthetic.moodsync.Mood;
import computer.aesthetic.moodsync.MoodSyncService;
import computer.aesthetic.moodsync.UserId;
import computer.aesthetic.moodsync.mongo.MongoAccountDirectory;
import computer.aesthetic.moodsync.mongo.MongoMoodStore;
import computer.aesthetic.moodsync.pds.PdsAtprotoRepo;
import computer.aesthetic.moodsync.reconcile.ReconcileReport;
import computer.aesthetic.moodsync.record.MoodRecords;
import computer.aesthetic.moodsync.spi.Account;
import computer.aesthetic.moodsync.spi.MoodStore;
import computer.aesthetic.moodsync.spi.RecordPage;
import computer.aesthetic.moodsync.spi.Secret;
import computer.aesthetic.moodsync.syntax.Did;
import computer.aesthetic.moodsync.syntax.Handle;
import computer.aesthetic.moodsync.testing.InMemoryAccountDirectory;
import computer.aesthetic.moodsync.testing.InMemoryAtprotoRepo;
import computer.aesthetic.moodsync.testing.InMemoryMoodStore;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.lang.ref.Reference;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import tools.jackson.databind.JsonNode;
import org.bson.Document;

/**
 * 2. Reconcile of one user with many records: on the real PDS against the floor (just listing the records), and on
 * the in-memory fakes with 100,000 records for time and heap growth.
 */
final class ReconcileBench {
    private final Env env;
    private final Bench.Settings s;

    ReconcileBench(Env env, Bench.Settings s) {
        this.env = env;
        this.s = s;
    }

    List<Figure> run() {
        List<Figure> out = new ArrayList<>(realPds());
        out.addAll(fakes());
        return out;
    }

    // ---------------------------------------------------------------- real PDS

    private List<Figure> realPds() {
        int n = s.reconcileRecords;
        Figure reconcile = new Figure("reconcile", "reconcile 1 user, " + n + " records, in sync (real PDS)", "ms",
                false);
        Figure floor = new Figure("reconcile", "floor: list " + n + " records, PdsAtprotoRepo.listRecords x100",
                "ms", false);
        Figure rawList = new Figure("reconcile", "raw HTTP listRecords x100 (JSON parsed, no decoding)", "ms", false);
        Figure storeList = new Figure("reconcile", "store listing: MongoMoodStore.listByUser, " + n + " moods",
                "ms", false);

        MongoDatabase db = env.freshDatabase("reconcile");
        Env.Acct acct = env.accounts(1).get(0);
        UserId user = UserId.parse("auth0|reconcile");
        Env.writeUsers(db, List.of(user.value()), List.of(acct));
        List<Moods.M> moods = Moods.make(List.of(user), n, 44);
        long t0 = System.nanoTime();
        RawXrpc raw = env.raw();
        String token = raw.createSession(acct.did(), acct.password()).accessJwt();
        List<Document> docs = new ArrayList<>();
        for (int from = 0; from < n; from += 200) {
            List<Map<String, Object>> writes = new ArrayList<>();
            for (Moods.M m : moods.subList(from, Math.min(n, from + 200))) {
                Map<String, Object> w = new LinkedHashMap<>();
                w.put("$type", "com.atproto.repo.applyWrites#create");
                w.put("collection", MoodRecords.COLLECTION.value());
                w.put("rkey", MoodRecords.rkeyFor(m.id()).value());
                w.put("value", MoodRecords.toRecord(m.id(), m.text(), m.when()));
                writes.add(w);
                docs.add(m.originDoc().append("atproto", new Document("rkey", MoodRecords.rkeyFor(m.id()).value())));
            }
            raw.post("com.atproto.repo.applyWrites", token, RawXrpc.bytes(Map.of("repo", acct.did(), "writes",
                    writes)));
        }
        db.getCollection("moods").insertMany(docs);
        Bench.log("reconcile: seeded %d records and moods in %.1f s", n, Stats.seconds(System.nanoTime() - t0));

        MongoAccountDirectory accounts = MongoAccountDirectory.builder(db).build();
        MongoMoodStore store = MongoMoodStore.builder(db).build();
        PdsAtprotoRepo repo = PdsAtprotoRepo.builder().accounts(accounts).defaultPds(env.pds().url()).build();
        Did did = Did.parse(acct.did());
        try (MoodSyncService svc = MoodSyncService.builder().store(store).repo(repo).accounts(accounts)
                .startWorker(false).build()) {
            for (int run = 0; run <= s.runs; run++) { // run 0 warms up
                long a = System.nanoTime();
                int listed = listFloor(repo, did);
                long b = System.nanoTime();
                int rawListed = listRaw(raw, token, acct.did());
                long c = System.nanoTime();
                long stored;
                try (Stream<Mood> st = store.listByUser(user)) {
                    stored = st.count();
                }
                long d = System.nanoTime();
                ReconcileReport report = svc.reconcile(user);
                long e = System.nanoTime();
                if (listed != n || rawListed != n || stored != n || !report.isInSync() || report.recordCount() != n) {
                    throw new IllegalStateException("reconcile check failed: listed " + listed + ", raw " + rawListed
                            + ", stored " + stored + ", report " + report.summary());
                }
                Bench.log("reconcile: run %d: floor %.0f ms, raw %.0f ms, store %.0f ms, reconcile %.0f ms", run,
                        Stats.millis(b - a), Stats.millis(c - b), Stats.millis(d - c), Stats.millis(e - d));
                if (run > 0) {
                    floor.add(Stats.millis(b - a));
                    rawList.add(Stats.millis(c - b));
                    storeList.add(Stats.millis(d - c));
                    reconcile.add(Stats.millis(e - d));
                }
            }
        }
        reconcile.detail("records", n).detail("what it does",
                "listAll of the collection into the index, MongoMoodStore.listByUser, classify (CID compare)");
        return List.of(reconcile, floor, rawList, storeList);
    }

    private static int listFloor(PdsAtprotoRepo repo, Did did) {
        int count = 0;
        Optional<String> cursor = Optional.empty();
        do {
            RecordPage page = repo.listRecords(did, MoodRecords.COLLECTION, 100, cursor, true);
            count += page.records().size();
            cursor = page.records().isEmpty() ? Optional.empty() : page.cursor();
        } while (cursor.isPresent());
        return count;
    }

    private static int listRaw(RawXrpc raw, String token, String did) {
        int count = 0;
        String cursor = null;
        do {
            Map<String, String> q = new LinkedHashMap<>();
            q.put("repo", did);
            q.put("collection", MoodRecords.COLLECTION.value());
            q.put("limit", "100");
            q.put("reverse", "true");
            if (cursor != null) {
                q.put("cursor", cursor);
            }
            JsonNode page = raw.get("com.atproto.repo.listRecords", token, q);
            int size = page.get("records").size();
            count += size;
            cursor = size == 0 || !page.hasNonNull("cursor") ? null : page.get("cursor").asString();
        } while (cursor != null);
        return count;
    }

    // ---------------------------------------------------------------- fakes

    private List<Figure> fakes() {
        int n = s.fakeRecords;
        Figure time = new Figure("reconcile", "reconcile 1 user, " + n + " records, in sync (fakes)", "ms", false);
        Figure heap = new Figure("reconcile", "heap growth (fakes, " + n + " records, report kept)", "MB", false);
        Figure alloc = new Figure("reconcile", "allocated by the reconciling thread (fakes, " + n + ")", "MB", false);
        Figure peak = new Figure("reconcile", "live heap growth mid-reconcile, index built (fakes, " + n + ")", "MB",
                false);
        UserId user = UserId.parse("auth0|fake");
        Did did = Did.parse("did:plc:benchfakeuser0000000000");
        InMemoryAtprotoRepo repo = InMemoryAtprotoRepo.create();
        InMemoryMoodStore store = InMemoryMoodStore.create();
        InMemoryAccountDirectory accounts = InMemoryAccountDirectory.create()
                .put(user, Account.of(did, Handle.parse("fake.test"), Secret.of("x")));
        long t0 = System.nanoTime();
        for (Moods.M m : Moods.make(List.of(user), n, 45)) {
            var rkey = MoodRecords.rkeyFor(m.id());
            repo.seed(did, MoodRecords.COLLECTION, rkey, MoodRecords.toRecord(m.id(), m.text(), m.when()));
            store.insert(new Mood(m.id(), user, m.text(), m.when(), false, Optional.of(rkey), Optional.empty()));
        }
        Bench.log("reconcile: seeded %d records and moods in the fakes in %.1f s", n,
                Stats.seconds(System.nanoTime() - t0));
        MemoryMXBean mem = ManagementFactory.getMemoryMXBean();
        com.sun.management.ThreadMXBean threads =
                (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long tid = Thread.currentThread().getId();
        // A second service whose store measures the live heap when the reconciler starts reading the store: the
        // record index is then complete (the largest live state of a reconcile). Not timed.
        long[] mid = new long[1];
        MoodStore probing = (MoodStore) Proxy.newProxyInstance(MoodStore.class.getClassLoader(),
                new Class<?>[] {MoodStore.class}, (proxy, method, args) -> {
                    if (method.getName().equals("listByUser")) {
                        mid[0] = usedAfterGc(mem);
                    }
                    try {
                        return method.invoke(store, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
        try (MoodSyncService svc = MoodSyncService.builder().store(store).repo(repo).accounts(accounts)
                .startWorker(false).build();
                MoodSyncService probe = MoodSyncService.builder().store(probing).repo(repo).accounts(accounts)
                        .startWorker(false).build()) {
            for (int run = 0; run <= s.fakeRuns; run++) {
                long before = usedAfterGc(mem);
                long alloc0 = threads.getThreadAllocatedBytes(tid);
                long a = System.nanoTime();
                ReconcileReport report = svc.reconcile(user);
                long b = System.nanoTime();
                long alloc1 = threads.getThreadAllocatedBytes(tid);
                long after = usedAfterGc(mem);
                if (!report.isInSync() || report.recordCount() != n) {
                    throw new IllegalStateException("fake reconcile check failed: " + report.summary());
                }
                Reference.reachabilityFence(report);
                long before2 = usedAfterGc(mem);
                ReconcileReport probed = probe.reconcile(user);
                if (!probed.isInSync()) {
                    throw new IllegalStateException("fake reconcile check failed: " + probed.summary());
                }
                if (run > 0) {
                    time.add(Stats.millis(b - a));
                    heap.add((after - before) / (1024.0 * 1024.0));
                    alloc.add((alloc1 - alloc0) / (1024.0 * 1024.0));
                    peak.add((mid[0] - before2) / (1024.0 * 1024.0));
                }
            }
        }
        Reference.reachabilityFence(repo);
        Reference.reachabilityFence(store);
        heap.detail("how", "used heap after System.gc() before the reconcile and after it, the report still "
                + "referenced; the fakes' own data is in both");
        peak.detail("how", "used heap after System.gc() when the reconciler opens the store listing (all records "
                + "indexed) minus used heap after System.gc() before the reconcile");
        return List.of(time, heap, peak, alloc);
    }

    static long usedAfterGc(MemoryMXBean mem) {
        long used = Long.MAX_VALUE;
        for (int i = 0; i < 4; i++) {
            System.gc();
            try {
                Thread.sleep(30);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            used = Math.min(used, mem.getHeapMemoryUsage().getUsed());
        }
        return used;
    }
}
