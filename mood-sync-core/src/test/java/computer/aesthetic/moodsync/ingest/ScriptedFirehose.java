package computer.aesthetic.moodsync.ingest;

import computer.aesthetic.moodsync.data.Cid;
import computer.aesthetic.moodsync.data.DagCbor;
import computer.aesthetic.moodsync.record.MoodRecords;
import computer.aesthetic.moodsync.spi.RepoRecord;
import computer.aesthetic.moodsync.sync.Car;
import computer.aesthetic.moodsync.sync.FirehoseEvent;
import computer.aesthetic.moodsync.sync.Mst;
import computer.aesthetic.moodsync.sync.RepoOp;
import computer.aesthetic.moodsync.syntax.Did;
import computer.aesthetic.moodsync.syntax.Tid;
import computer.aesthetic.moodsync.testing.InMemoryAtprotoRepo;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.TreeMap;

/**
 * An {@link EventSource} over the in-memory PDS: {@link #sync(Did)} compares a repository's mood records with
 * what it last emitted and emits one real {@code #commit} (rev chain, ops with CIDs and prev, prevData, a CAR
 * slice with the commit, the records and the whole MST), so every check of the follower runs on real data. The
 * signature is not real (the tests' authenticator decides).
 */
final class ScriptedFirehose implements EventSource {
    private final InMemoryAtprotoRepo pds;
    private final List<FirehoseEvent> log = new ArrayList<>();
    private final Map<Did, TreeMap<String, Cid>> trees = new HashMap<>();
    private final Map<Did, String> revs = new HashMap<>();
    private final Map<Did, Cid> roots = new HashMap<>();
    private long seq;
    private long micros = 1_700_000_000_000_000L;
    private final java.util.Set<FirehoseEvent> onceOnly = java.util.Collections.newSetFromMap(
            new java.util.IdentityHashMap<>());
    int opened;

    ScriptedFirehose(InMemoryAtprotoRepo pds) {
        this.pds = pds;
    }

    synchronized Optional<FirehoseEvent.Commit> sync(Did did) {
        TreeMap<String, Cid> before = trees.computeIfAbsent(did, d -> new TreeMap<>());
        TreeMap<String, Cid> after = new TreeMap<>();
        Map<Cid, byte[]> recordBlocks = new HashMap<>();
        for (RepoRecord r : pds.records(did, MoodRecords.COLLECTION)) {
            String path = MoodRecords.COLLECTION + "/" + r.rkey().value();
            byte[] bytes = DagCbor.encode(r.value());
            Cid cid = Cid.forDagCbor(bytes);
            after.put(path, cid);
            recordBlocks.put(cid, bytes);
        }
        List<RepoOp> ops = new ArrayList<>();
        for (Map.Entry<String, Cid> e : after.entrySet()) {
            Cid old = before.get(e.getKey());
            if (old == null) {
                ops.add(new RepoOp(RepoOp.Action.CREATE, e.getKey(), Optional.of(e.getValue()), Optional.empty()));
            } else if (!old.equals(e.getValue())) {
                ops.add(new RepoOp(RepoOp.Action.UPDATE, e.getKey(), Optional.of(e.getValue()), Optional.of(old)));
            }
        }
        for (Map.Entry<String, Cid> e : before.entrySet()) {
            if (!after.containsKey(e.getKey())) {
                ops.add(new RepoOp(RepoOp.Action.DELETE, e.getKey(), Optional.empty(), Optional.of(e.getValue())));
            }
        }
        if (ops.isEmpty()) {
            return Optional.empty();
        }
        Mst.Built tree = Mst.build(after);
        String rev = Tid.of(micros += 1000, 0).toString();
        Map<String, Object> commit = new LinkedHashMap<>();
        commit.put("did", did.toString());
        commit.put("version", 3L);
        commit.put("data", tree.root());
        commit.put("rev", rev);
        commit.put("prev", null);
        commit.put("sig", new byte[64]);
        byte[] commitBytes = DagCbor.encode(commit);
        Cid commitCid = Cid.forDagCbor(commitBytes);
        Map<Cid, byte[]> blocks = new LinkedHashMap<>();
        blocks.put(commitCid, commitBytes);
        blocks.putAll(tree.blocks());
        recordBlocks.forEach((cid, bytes) -> {
            if (ops.stream().anyMatch(o -> o.cid().equals(Optional.of(cid)))) {
                blocks.put(cid, bytes);
            }
        });
        Car car = Car.read(Car.write(List.of(commitCid), blocks));
        FirehoseEvent.Commit event = new FirehoseEvent.Commit(++seq, did, commitCid, rev,
                Optional.ofNullable(revs.get(did)), car, ops, List.of(), Instant.now().toString(),
                Optional.ofNullable(roots.get(did)), false, false);
        trees.put(did, after);
        revs.put(did, rev);
        roots.put(did, tree.root());
        log.add(event);
        return Optional.of(event);
    }

    /** Emits {@code sync(did)} but drops the event, as a PDS (or network) that lost it would. */
    synchronized void syncAndLose(Did did) {
        sync(did).ifPresent(log::remove);
    }

    synchronized void replaceLast(FirehoseEvent event) {
        log.set(log.size() - 1, event);
    }

    synchronized long nextSeq() {
        return ++seq;
    }

    synchronized void emit(FirehoseEvent event) {
        log.add(event);
    }

    synchronized List<FirehoseEvent> log() {
        return List.copyOf(log);
    }

    @Override
    public synchronized Stream open(OptionalLong cursor) {
        opened++;
        long from = cursor.orElse(0);
        return new Stream() {
            private int next = 0;
            private boolean closed;

            @Override
            public Optional<FirehoseEvent> next(Duration timeout) {
                synchronized (ScriptedFirehose.this) {
                    if (closed) {
                        throw new IllegalStateException("closed");
                    }
                    while (next < log.size()) {
                        FirehoseEvent e = log.get(next++);
                        if (e.sequence().isEmpty() ? onceOnly.add(e) : e.sequence().getAsLong() > from) {
                            return Optional.of(e);
                        }
                    }
                    return Optional.empty();
                }
            }

            @Override
            public boolean isClosed() {
                return closed;
            }

            @Override
            public void close() {
                closed = true;
            }
        };
    }
}
