package computer.aesthetic.moodsync.testing;

import computer.aesthetic.moodsync.data.Cid;
import computer.aesthetic.moodsync.data.DagCbor;
import computer.aesthetic.moodsync.data.DataModel;
import computer.aesthetic.moodsync.ingest.EventSource;
import computer.aesthetic.moodsync.sync.Car;
import computer.aesthetic.moodsync.sync.CommitSigner;
import computer.aesthetic.moodsync.sync.DidKey;
import computer.aesthetic.moodsync.sync.FirehoseEvent;
import computer.aesthetic.moodsync.sync.FrameCodec;
import computer.aesthetic.moodsync.sync.JdkP256;
import computer.aesthetic.moodsync.sync.Mst;
import computer.aesthetic.moodsync.sync.RepoOp;
import computer.aesthetic.moodsync.sync.SignedCommit;
import computer.aesthetic.moodsync.syntax.Did;
import computer.aesthetic.moodsync.syntax.Tid;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * An in-memory {@code com.atproto.sync.subscribeRepos}: real, signed, provable events for every write applied to
 * an {@link InMemoryAtprotoRepo} it is {@linkplain InMemoryAtprotoRepo#attachFirehose attached to} (or passed to
 * {@link #commit} directly), so hosts' tests exercise ingest without a network.
 *
 * <p>Like the reference PDS: each repository has a P-256 signing key ({@link #key}); its first write is preceded
 * by a {@code #sync} of an empty genesis commit; each write is a {@code #commit} with a strictly increasing
 * {@code seq}, a TID {@code rev}, {@code since} (the previous rev), ops with their CIDs and {@code prev},
 * {@code prevData} (the MST root before) and a CAR slice holding the signed commit, the new records and the
 * covering proof of every changed key, which {@link computer.aesthetic.moodsync.sync.CommitVerifier} accepts.
 * {@link #account} and {@link #identity} emit those events; an account deleted removes its earlier events, as the
 * PDS does. A {@link Subscription} follows the PDS's cursor rules: none = live only; a cursor above the current
 * seq = error frame {@code FutureCursor}; a cursor older than the events kept ({@link #forgetThrough}) =
 * {@code #info OutdatedCursor}, then replay from the oldest kept; a subscriber whose buffer overflows gets
 * {@code ConsumerTooSlow} and is closed. Frames are delivered encoded, as on the wire.
 *
 * <p>Thread-safe.
 */
public final class InMemoryFirehose {

    /** One record write, as applied by the PDS. */
    public record Write(String path, Optional<Map<String, Object>> value) {
        /**
         * Validates the write.
         *
         * @throws IllegalArgumentException if the path is not an MST key
         */
        public Write {
            Objects.requireNonNull(path, "path");
            Objects.requireNonNull(value, "value");
            if (!Mst.isValidKey(path)) {
                throw new IllegalArgumentException("not an MST key: " + path);
            }
        }

        /**
         * A create or update.
         *
         * @param path {@code collection/rkey}
         * @param value the record value
         * @return the write
         */
        public static Write put(String path, Map<String, ?> value) {
            return new Write(path, Optional.of(DataModel.copyRecord(value)));
        }

        /**
         * A delete.
         *
         * @param path {@code collection/rkey}
         * @return the write
         */
        public static Write delete(String path) {
            return new Write(path, Optional.empty());
        }
    }

    private static final class RepoState {
        final CommitSigner signer;
        final TreeMap<String, Cid> entries = new TreeMap<>();
        Cid root;
        String rev;
        boolean deleted;

        RepoState(CommitSigner signer) {
            this.signer = signer;
        }
    }

    private record Stamped(long seq, Did did, byte[] frame, FirehoseEvent event) {
    }

    private final Object lock = new Object();
    private final Clock clock;
    private final int bufferSize;
    private final Map<Did, RepoState> repos = new HashMap<>();
    private final List<Stamped> log = new ArrayList<>();
    private final List<Subscription> subscribers = new ArrayList<>();
    private long seq;
    private long lastMicros;
    private long forgottenThrough;

    private InMemoryFirehose(Clock clock, int bufferSize) {
        this.clock = clock;
        this.bufferSize = bufferSize;
    }

    /**
     * Creates a firehose on the system clock with subscriber buffers of 500 frames (the PDS's default
     * {@code PDS_MAX_SUBSCRIPTION_BUFFER}).
     *
     * @return the firehose
     */
    public static InMemoryFirehose create() {
        return new InMemoryFirehose(Clock.systemUTC(), 500);
    }

    /**
     * Creates a firehose.
     *
     * @param clock the clock of revs and event times
     * @param bufferSize frames a subscriber may have pending before it gets {@code ConsumerTooSlow}
     * @return the firehose
     * @throws IllegalArgumentException if {@code bufferSize} is not positive
     */
    public static InMemoryFirehose create(Clock clock, int bufferSize) {
        Objects.requireNonNull(clock, "clock");
        if (bufferSize <= 0) {
            throw new IllegalArgumentException("bufferSize must be positive, found " + bufferSize);
        }
        return new InMemoryFirehose(clock, bufferSize);
    }

    /**
     * Returns a repository's signing key, creating the repository's key pair if needed.
     *
     * @param repo the repository
     * @return its {@code #atproto} key
     */
    public DidKey key(Did repo) {
        Objects.requireNonNull(repo, "repo");
        synchronized (lock) {
            return state(repo).signer.publicKey();
        }
    }

    /**
     * Returns the highest seq emitted.
     *
     * @return the seq, 0 before the first event
     */
    public long currentSeq() {
        synchronized (lock) {
            return seq;
        }
    }

    /**
     * Returns a repository's current MST root and rev.
     *
     * @param repo the repository
     * @return the root CID, or empty before its first write
     */
    public Optional<Cid> root(Did repo) {
        synchronized (lock) {
            RepoState s = repos.get(repo);
            return s == null ? Optional.empty() : Optional.ofNullable(s.root);
        }
    }

    /**
     * Returns the events kept with a seq greater than {@code afterSeq}, decoded.
     *
     * @param afterSeq the cursor; 0 for all
     * @return the events in seq order
     */
    public List<FirehoseEvent> events(long afterSeq) {
        synchronized (lock) {
            List<FirehoseEvent> out = new ArrayList<>();
            for (Stamped s : log) {
                if (s.seq > afterSeq) {
                    out.add(s.event);
                }
            }
            return out;
        }
    }

    /**
     * Takes note of records a repository already holds, without events (used when attaching to a repo fake that
     * has records).
     *
     * @param repo the repository
     * @param path the record's MST key
     * @param value the record value
     */
    public void load(Did repo, String path, Map<String, ?> value) {
        synchronized (lock) {
            RepoState s = state(repo);
            s.entries.put(path, DagCbor.cidOf(DataModel.copyRecord(value)));
            s.root = null; // recomputed at the next commit
        }
    }

    /**
     * Emits a {@code #commit} for writes applied to a repository (a {@code #sync} of the genesis commit first, for
     * its first write). Writes that change nothing (the same value, a delete of an absent record) are dropped; no
     * event is emitted when none is left, as the PDS does.
     *
     * @param repo the repository
     * @param writes the writes, in order, each path at most once
     * @return the event, or empty when nothing changed
     * @throws IllegalArgumentException if a path repeats or there are more than 200 writes
     */
    public Optional<FirehoseEvent.Commit> commit(Did repo, List<Write> writes) {
        Objects.requireNonNull(repo, "repo");
        Objects.requireNonNull(writes, "writes");
        if (writes.size() > FrameCodec.MAX_OPS) {
            throw new IllegalArgumentException("at most " + FrameCodec.MAX_OPS + " writes per commit");
        }
        synchronized (lock) {
            RepoState s = state(repo);
            if (s.rev == null || s.root == null) {
                genesis(repo, s);
            }
            List<RepoOp> ops = new ArrayList<>();
            Map<Cid, byte[]> records = new LinkedHashMap<>();
            TreeMap<String, Cid> after = new TreeMap<>(s.entries);
            for (Write w : writes) {
                if (ops.stream().anyMatch(o -> o.path().equals(w.path()))) {
                    throw new IllegalArgumentException("path " + w.path() + " written twice in one commit");
                }
                Optional<Cid> prev = Optional.ofNullable(after.get(w.path()));
                if (w.value().isEmpty()) {
                    if (prev.isPresent()) {
                        after.remove(w.path());
                        ops.add(new RepoOp(RepoOp.Action.DELETE, w.path(), Optional.empty(), prev));
                    }
                    continue;
                }
                byte[] block = DagCbor.encode(w.value().get());
                Cid cid = Cid.forDagCbor(block);
                if (prev.isPresent() && prev.get().equals(cid)) {
                    continue;
                }
                after.put(w.path(), cid);
                records.put(cid, block);
                ops.add(new RepoOp(prev.isPresent() ? RepoOp.Action.UPDATE : RepoOp.Action.CREATE, w.path(),
                        Optional.of(cid), prev));
            }
            if (ops.isEmpty()) {
                return Optional.empty();
            }
            Mst.Built tree = Mst.build(after);
            String rev = nextRev();
            SignedCommit commit = SignedCommit.sign(repo, tree.root(), rev, s.signer);
            Map<Cid, byte[]> blocks = new LinkedHashMap<>();
            blocks.put(commit.cid(), commit.bytes());
            blocks.putAll(records);
            blocks.putAll(tree.coveringProof(ops.stream().map(RepoOp::path).toList()));
            long next = seq + 1;
            FirehoseEvent.Commit event = new FirehoseEvent.Commit(next, repo, commit.cid(), rev,
                    Optional.of(s.rev), Car.of(List.of(commit.cid()), blocks), ops, List.of(), now(),
                    Optional.of(s.root), false, false);
            s.entries.clear();
            s.entries.putAll(after);
            s.root = tree.root();
            s.rev = rev;
            append(repo, event);
            return Optional.of(event);
        }
    }

    /**
     * Emits an {@code #account} event. {@code deleted} also removes the repository's earlier events and state.
     *
     * @param repo the account
     * @param active whether it is active
     * @param status why not, for example {@code deleted}, {@code takendown} or {@code deactivated}
     */
    public void account(Did repo, boolean active, Optional<String> status) {
        Objects.requireNonNull(repo, "repo");
        Objects.requireNonNull(status, "status");
        synchronized (lock) {
            if (status.filter("deleted"::equals).isPresent()) {
                log.removeIf(e -> e.did.equals(repo));
                repos.remove(repo);
            }
            append(repo, new FirehoseEvent.Account(seq + 1, repo, now(), active, status));
        }
    }

    /**
     * Emits an {@code #identity} event.
     *
     * @param repo the account
     * @param handle its handle, if any
     */
    public void identity(Did repo, Optional<String> handle) {
        Objects.requireNonNull(repo, "repo");
        Objects.requireNonNull(handle, "handle");
        synchronized (lock) {
            append(repo, new FirehoseEvent.Identity(seq + 1, repo, now(), handle));
        }
    }

    /**
     * Forgets the events with a seq up to {@code seq}, as a PDS's backfill window does: a later subscription
     * with an older cursor gets {@code #info OutdatedCursor}.
     *
     * @param seq the last seq to forget
     */
    public void forgetThrough(long seq) {
        synchronized (lock) {
            log.removeIf(e -> e.seq <= seq);
            forgottenThrough = Math.max(forgottenThrough, seq);
        }
    }

    /**
     * Subscribes, with the PDS's cursor rules (see the class comment).
     *
     * @param cursor the last seq the consumer has; empty for live events only
     * @return the subscription, which buffers frames until {@link Subscription#next} takes them
     */
    public Subscription subscribe(OptionalLong cursor) {
        Objects.requireNonNull(cursor, "cursor");
        synchronized (lock) {
            Subscription sub = new Subscription();
            if (cursor.isPresent()) {
                long c = cursor.getAsLong();
                if (c > seq) {
                    sub.offer(FrameCodec.encode(new FirehoseEvent.ErrorFrame(FirehoseEvent.ErrorFrame.FUTURE_CURSOR,
                            Optional.of("Cursor in the future."))), true);
                    return sub;
                }
                if (c < forgottenThrough) {
                    sub.offer(FrameCodec.encode(new FirehoseEvent.Info(FirehoseEvent.Info.OUTDATED_CURSOR,
                            Optional.of("Requested cursor exceeded limit. Possibly missing events"))), false);
                }
                for (Stamped s : log) {
                    if (s.seq > c) {
                        sub.offer(s.frame, false);
                    }
                }
            }
            if (!sub.closed) {
                subscribers.add(sub);
            }
            return sub;
        }
    }

    /**
     * A subscriber's buffered frames. Thread-safe. It is the {@link EventSource.Frames} of one connection, so
     * {@code EventSource.decoding(firehose::subscribe)} is the firehose as a
     * {@link computer.aesthetic.moodsync.ingest.Follower}'s source.
     */
    public final class Subscription implements EventSource.Frames {
        private final ArrayDeque<byte[]> frames = new ArrayDeque<>();
        private boolean closed;

        private Subscription() {
        }

        /** Under {@code lock}: buffers a frame, or overflows into ConsumerTooSlow. */
        private void offer(byte[] frame, boolean last) {
            if (closed) {
                return;
            }
            if (frames.size() >= bufferSize) {
                frames.add(FrameCodec.encode(new FirehoseEvent.ErrorFrame(FirehoseEvent.ErrorFrame.CONSUMER_TOO_SLOW,
                        Optional.of("Stream consumer too slow"))));
                closed = true;
            } else {
                frames.add(frame);
                closed = last;
            }
            lock.notifyAll();
        }

        /**
         * Takes the next frame, waiting up to {@code timeout}.
         *
         * @param timeout how long to wait
         * @return the frame, or empty on timeout or when closed and drained
         * @throws InterruptedException if interrupted while waiting
         */
        @Override
        public Optional<byte[]> next(Duration timeout) throws InterruptedException {
            long deadline = System.nanoTime() + timeout.toNanos();
            synchronized (lock) {
                while (frames.isEmpty() && !closed) {
                    long left = deadline - System.nanoTime();
                    if (left <= 0) {
                        return Optional.empty();
                    }
                    TimeUnit.NANOSECONDS.timedWait(lock, left);
                }
                return Optional.ofNullable(frames.poll());
            }
        }

        /**
         * Tells whether the server side has closed (after an error frame, or {@link #close}).
         *
         * @return whether no more frames will be added
         */
        @Override
        public boolean isClosed() {
            synchronized (lock) {
                return closed;
            }
        }

        /** Stops the subscription; frames already buffered can still be taken. */
        @Override
        public void close() {
            synchronized (lock) {
                closed = true;
                subscribers.remove(this);
                lock.notifyAll();
            }
        }
    }

    // ---- internals ---------------------------------------------------------------------------

    private RepoState state(Did repo) {
        return repos.computeIfAbsent(repo, r -> new RepoState(JdkP256.generate()));
    }

    private void genesis(Did repo, RepoState s) {
        Mst.Built tree = Mst.build(s.entries);
        String rev = nextRev();
        SignedCommit commit = SignedCommit.sign(repo, tree.root(), rev, s.signer);
        s.root = tree.root();
        s.rev = rev;
        append(repo, new FirehoseEvent.Sync(seq + 1, repo, Car.of(List.of(commit.cid()),
                Map.of(commit.cid(), commit.bytes())), rev, now()));
    }

    private void append(Did repo, FirehoseEvent event) {
        seq++;
        byte[] frame = FrameCodec.encode(event);
        log.add(new Stamped(seq, repo, frame, event));
        for (Subscription sub : List.copyOf(subscribers)) {
            sub.offer(frame, false);
            if (sub.closed) {
                subscribers.remove(sub);
            }
        }
    }

    private String nextRev() {
        long micros = Math.max(TimeUnit.MILLISECONDS.toMicros(clock.millis()), lastMicros + 1);
        lastMicros = micros;
        return Tid.of(micros, 0).value();
    }

    private String now() {
        return clock.instant().toString();
    }

    /**
     * Describes the firehose.
     *
     * @return the current seq and the number of repositories
     */
    @Override
    public String toString() {
        synchronized (lock) {
            return "InMemoryFirehose[seq=" + seq + ", repos=" + repos.size() + ", subscribers=" + subscribers.size() + "]";
        }
    }
}
