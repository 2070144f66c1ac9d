package computer.aesthetic.moodsync.ingest;

import computer.aesthetic.moodsync.InvalidRecordException;
import computer.aesthetic.moodsync.Mood;
import computer.aesthetic.moodsync.MoodId;
import computer.aesthetic.moodsync.MoodSyncException;
import computer.aesthetic.moodsync.PdsException;
import computer.aesthetic.moodsync.PendingSync;
import computer.aesthetic.moodsync.StoreConflictException;
import computer.aesthetic.moodsync.StoreException;
import computer.aesthetic.moodsync.SwapConflictException;
import computer.aesthetic.moodsync.SyncOp;
import computer.aesthetic.moodsync.UserId;
import computer.aesthetic.moodsync.data.Cid;
import computer.aesthetic.moodsync.data.DagCbor;
import computer.aesthetic.moodsync.record.MoodRecord;
import computer.aesthetic.moodsync.record.MoodRecords;
import computer.aesthetic.moodsync.spi.AccountDirectory;
import computer.aesthetic.moodsync.spi.AccountHold;
import computer.aesthetic.moodsync.spi.AtprotoRepo;
import computer.aesthetic.moodsync.spi.FollowerLease;
import computer.aesthetic.moodsync.spi.IngestStateStore;
import computer.aesthetic.moodsync.spi.MoodStore;
import computer.aesthetic.moodsync.spi.RepoRecord;
import computer.aesthetic.moodsync.spi.RepoSyncState;
import computer.aesthetic.moodsync.spi.SwapRecord;
import computer.aesthetic.moodsync.sync.FirehoseEvent;
import computer.aesthetic.moodsync.sync.MalformedEventException;
import computer.aesthetic.moodsync.sync.Mst;
import computer.aesthetic.moodsync.sync.RepoOp;
import computer.aesthetic.moodsync.sync.VerificationException;
import computer.aesthetic.moodsync.syntax.Did;
import computer.aesthetic.moodsync.syntax.RecordKey;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Follows one PDS's event stream and applies what other clients change in users' {@code computer.aesthetic.mood}
 * collections to the {@link MoodStore}, under an {@link IngestPolicy}.
 *
 * <h2>Guarantees</h2>
 * <ul>
 *   <li>Events are handled one at a time, in seq order, so each repository's commits apply serially in order.</li>
 *   <li>The cursor ({@link IngestStateStore#saveCursor}) is saved only after the effects of every event up to it
 *       are stored, so it only ever covers a contiguous run of handled events: a crash (or {@code kill -9}) replays
 *       from the last saved event, and loses nothing. It is saved in batches ({@link Builder#saveCursorEvery},
 *       default every 100 events or 1 s, and whenever the stream goes idle, reconnects or the follower closes):
 *       the events replayed after a crash are no-ops (next item).</li>
 *   <li>A replayed event applies nothing twice: a commit whose {@code rev} is not above the repository's stored
 *       revision is skipped, and every apply is idempotent by content (a record whose CID is what the mood's state
 *       produces, or whose text the mood already has, is an echo; a deleted record of a deleted mood is an
 *       echo).</li>
 *   <li>Every store write is {@link MoodStore#applyIngested}: it lands only on the mood exactly as it was read and
 *       with no write pending, so the follower never races the write path or the repairer: a mood with a marker is
 *       left to its marker.</li>
 *   <li>A commit is applied only after its commit block decodes and names the repository and revision, the
 *       {@link CommitAuthenticator} accepts its signature, its {@code since} and {@code prevData} continue the
 *       stored chain, and inverting its operations on its blocks yields {@code prevData}. Anything else (and a
 *       {@code tooBig} commit, a newer {@code #sync} that differs, an {@code OutdatedCursor}, a repository seen for
 *       the first time) resyncs the repository: its records are listed and each is applied with the policy, and
 *       every mood whose record is gone counts as deleted. Its later events wait meanwhile (the follower is one
 *       thread).</li>
 *   <li>One follower per source is active across app instances: a lease in the {@link IngestStateStore}, renewed
 *       every third of the lease time; a standby takes over only after the lease's version has stood still for a
 *       whole lease time on its own monotonic clock, and the holder stops handling events once it has not renewed
 *       for a lease time, so no instance clocks are compared.</li>
 * </ul>
 *
 * <p>Thread-safe: {@link #start()} runs one daemon thread; {@link #pump(Duration)} drives the follower from the
 * caller's thread instead (tests, or a host's own scheduler) and must not be called while started.
 */
public final class Follower implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Follower.class);
    private static final String MOOD_COLLECTION = MoodRecords.COLLECTION.toString();

    private final MoodStore store;
    private final AtprotoRepo repo;
    private final AccountDirectory accounts;
    private final IngestStateStore state;
    private final EventSource source;
    private final String sourceName;
    private final String owner;
    private final IngestPolicy policy;
    private final IngestListener listener;
    private final CommitAuthenticator authenticator;
    private final Clock clock;
    private final LongSupplier nanoTime;
    private final long leaseNanos;
    private final Consumer<UserId> resumeAccount;
    private final int cursorEvents;
    private final long cursorNanos;
    /** The seq of the last handled event whose cursor is not saved yet, or -1; guarded by {@link #pumpLock}. */
    private long unsavedSeq = -1;
    private int unsaved;
    private long lastSave;

    private final AtomicBoolean running = new AtomicBoolean();
    private Thread thread;
    private final Object pumpLock = new Object();
    private EventSource.Stream stream;
    private boolean holding;
    private long lastRenew;
    private FollowerLease seen;
    private long seenAt;

    private final LongAdder events = new LongAdder();
    private final LongAdder applied = new LongAdder();
    private final LongAdder echoes = new LongAdder();
    private final LongAdder inFlight = new LongAdder();
    private final LongAdder reported = new LongAdder();
    private final LongAdder resyncs = new LongAdder();
    private volatile OptionalLong cursor = OptionalLong.empty();
    private volatile Optional<Duration> lag = Optional.empty();

    private Follower(Builder b) {
        this.store = b.store;
        this.repo = b.repo;
        this.accounts = b.accounts;
        this.state = b.state;
        this.source = b.source;
        this.sourceName = b.sourceName;
        this.owner = b.owner;
        this.policy = b.policy;
        this.listener = b.listener;
        this.authenticator = b.authenticator;
        this.clock = b.clock;
        this.nanoTime = b.nanoTime;
        this.leaseNanos = b.leaseTime.toNanos();
        this.resumeAccount = b.resumeAccount != null ? b.resumeAccount : this::resumeInStore;
        this.cursorEvents = b.cursorEvents;
        this.cursorNanos = b.cursorTime.toNanos();
    }

    /**
     * Starts building a follower.
     *
     * @return a builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /** Starts the follower's daemon thread ({@code moodsync-follower}); a second call does nothing. */
    public synchronized void start() {
        if (!running.compareAndSet(false, true)) {
            return;
        }
        thread = new Thread(() -> {
            while (running.get()) {
                try {
                    pump(Duration.ofMillis(500));
                    if (!holding) {
                        Thread.sleep(Math.max(10, leaseNanos / 3_000_000));
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                } catch (RuntimeException e) {
                    if (!running.get()) {
                        // close() interrupted a call in flight (MongoDB's driver fails it with
                        // MongoInterruptedException): a normal stop, which close() finishes by saving the cursor.
                        LOG.debug("follower of {} stopped during a call: {}", sourceName, e.toString());
                        return;
                    }
                    LOG.warn("follower of {} failed; it starts again from its saved cursor: {}", sourceName,
                            e.toString());
                    closeStream();
                    try {
                        Thread.sleep(1000);
                    } catch (InterruptedException ie) {
                        Thread.currentThread().interrupt();
                        return;
                    }
                }
            }
        }, "moodsync-follower");
        thread.setDaemon(true);
        thread.start();
    }

    /**
     * Tells whether this follower holds the source's lease (it is the active one).
     *
     * @return true while active
     */
    public boolean isActive() {
        return holding;
    }

    /**
     * Handles events until none arrives for {@code idle}: takes or renews the lease first (returns 0 on standby),
     * opens the stream from the saved cursor when needed, and reopens it after an error frame.
     *
     * @param idle how long to wait for the next event before returning
     * @return how many events were handled
     * @throws InterruptedException if interrupted while waiting
     * @throws StoreException if the store failed (nothing past the last saved cursor is
     *     lost: the next pump replays it)
     */
    public int pump(Duration idle) throws InterruptedException {
        Objects.requireNonNull(idle, "idle");
        synchronized (pumpLock) {
            int handled = 0;
            while (leaseHeld()) {
                if (stream == null || stream.isClosed()) {
                    closeStream();
                    if (!saveCursorOrClose()) {
                        return handled;
                    }
                    if (handled == 0) {
                        resyncDesynchronized();
                    }
                    OptionalLong from = state.cursor(sourceName);
                    cursor = from;
                    stream = source.open(from);
                }
                Optional<FirehoseEvent> next;
                try {
                    next = stream.next(idle);
                } catch (IllegalStateException closed) {
                    closeStream();
                    return handled;
                }
                if (next.isEmpty()) {
                    saveCursorOrClose(); // idle: what was handled is saved before the caller gets control back
                    return handled;
                }
                try {
                    handle(next.get());
                } catch (RuntimeException e) {
                    // Never go on past an event that failed: reopen from the saved cursor and replay it.
                    closeStream();
                    throw e;
                }
                handled++;
                if (unsavedSeq >= 0 && (unsaved >= cursorEvents || nanoTime.getAsLong() - lastSave >= cursorNanos)) {
                    saveCursorOrClose();
                }
            }
            return handled;
        }
    }

    private boolean leaseHeld() {
        long now = nanoTime.getAsLong();
        if (holding) {
            if (now - lastRenew >= leaseNanos / 3) {
                if (!state.renew(sourceName, owner)) {
                    LOG.info("follower {} of {} lost its lease; standing by", owner, sourceName);
                    holding = false;
                    closeStream();
                    return false;
                }
                lastRenew = now;
            }
            return true;
        }
        FollowerLease l = state.lease(sourceName);
        boolean free = l.owner().isEmpty() || l.owner().get().equals(owner);
        if (!free) {
            if (!l.equals(seen)) {
                seen = l;
                seenAt = now;
                return false;
            }
            if (now - seenAt < leaseNanos) {
                return false;
            }
        }
        if (state.acquire(sourceName, owner, l.version())) {
            holding = true;
            lastRenew = now;
            LOG.info("follower {} of {} is active", owner, sourceName);
            return true;
        }
        return false;
    }

    private void closeStream() {
        if (stream != null) {
            try {
                stream.close();
            } catch (RuntimeException e) {
                LOG.debug("closing the event stream failed", e);
            }
            stream = null;
        }
    }

    // ---------------------------------------------------------------- events

    private void handle(FirehoseEvent event) {
        events.increment();
        if (event instanceof FirehoseEvent.Commit c) {
            onCommit(c);
            lagFrom(c.time());
        } else if (event instanceof FirehoseEvent.Sync s) {
            onSync(s);
            lagFrom(s.time());
        } else if (event instanceof FirehoseEvent.Identity i) {
            accounts.forget(i.did());
            authenticator.refresh(i.did());
            report(IngestChange.Kind.IDENTITY, i.did(), Optional.empty(), Optional.empty(), i.seq(),
                    "identity changed: cached DID document and key dropped");
        } else if (event instanceof FirehoseEvent.Account a) {
            onAccount(a);
        } else if (event instanceof FirehoseEvent.Info info) {
            if (FirehoseEvent.Info.OUTDATED_CURSOR.equals(info.name())) {
                LOG.warn("cursor of {} is older than the PDS keeps; resyncing every known repository", sourceName);
                markAllDesynchronized();
                resyncDesynchronized();
            }
        } else if (event instanceof FirehoseEvent.ErrorFrame e) {
            LOG.warn("{} sent error {}: reconnecting", sourceName, e.error());
            if (FirehoseEvent.ErrorFrame.FUTURE_CURSOR.equals(e.error())) {
                // The PDS no longer has events we have seen (a reset): every repository is resynced.
                markAllDesynchronized();
            }
            closeStream();
        }
        OptionalLong seq = event.sequence();
        if (seq.isPresent()) {
            unsavedSeq = Math.max(unsavedSeq, seq.getAsLong());
            unsaved++;
        }
    }

    /**
     * Saves the seq of the last handled event, if not saved yet. Every event up to it is handled (one thread, in
     * order), so the cursor covers a contiguous run; the events after the saved cursor are replayed after a crash,
     * and each is a no-op then (a commit's rev is at or below its repository's stored rev, {@code #account} and
     * {@code #identity} are idempotent). Returns false when the lease was lost.
     */
    /** {@link #saveCursor}, closing the stream when the store fails so the next pump reopens from the saved cursor. */
    private boolean saveCursorOrClose() {
        try {
            return saveCursor();
        } catch (RuntimeException e) {
            closeStream();
            throw e;
        }
    }

    private boolean saveCursor() {
        if (unsavedSeq < 0) {
            return true;
        }
        long seq = unsavedSeq;
        boolean mine = state.saveCursor(sourceName, owner, seq);
        unsavedSeq = -1;
        unsaved = 0;
        lastSave = nanoTime.getAsLong();
        if (!mine) {
            LOG.info("follower {} of {} lost its lease while saving its cursor", owner, sourceName);
            holding = false;
            closeStream();
            return false;
        }
        cursor = OptionalLong.of(seq);
        return true;
    }

    private void markAllDesynchronized() {
        try (Stream<RepoSyncState> all = state.repos(sourceName)) {
            all.toList().forEach(r -> state.saveRepo(sourceName, r.desynchronized()));
        }
    }

    private void lagFrom(String time) {
        try {
            lag = Optional.of(Duration.between(Instant.parse(time), clock.instant()));
        } catch (RuntimeException e) {
            // a PDS time we cannot read leaves the last lag as it was
        }
    }

    private void onAccount(FirehoseEvent.Account a) {
        Optional<RepoSyncState> known = state.repo(sourceName, a.did());
        if (known.isEmpty() && accounts.userOf(a.did()).isEmpty()) {
            return;
        }
        Optional<String> status = a.active() ? Optional.empty() : Optional.of(a.status().orElse("inactive"));
        Optional<UserId> user = accounts.userOf(a.did());
        if (user.isPresent()) {
            // Before the repository state and the cursor: a crash in between replays the event, and both are
            // idempotent.
            if (status.isPresent()) {
                try {
                    store.holdAccount(user.get(), status.get(), clock.instant());
                } catch (UnsupportedOperationException e) {
                    LOG.warn("account {} is {} but the store cannot hold its writes: {}", a.did(), status.get(),
                            e.getMessage());
                }
            } else if (store.accountHold(user.get()).isPresent()) {
                resumeAccount.accept(user.get());
            }
        }
        state.saveRepo(sourceName, known.orElse(RepoSyncState.unknown(a.did())).withAccountStatus(status));
        report(IngestChange.Kind.ACCOUNT, a.did(), Optional.empty(), Optional.empty(), a.seq(),
                a.active() ? "account active" : "account " + status.get() + ": moods kept, account marked");
    }

    /** Without a service: releases the hold and makes the user's held writes due now (attempts untouched). */
    private void resumeInStore(UserId user) {
        store.releaseAccount(user);
        store.makeDue(user, owner, clock.instant());
    }

    private void onSync(FirehoseEvent.Sync s) {
        Optional<UserId> user = accounts.userOf(s.did());
        if (user.isEmpty()) {
            return;
        }
        RepoSyncState st = state.repo(sourceName, s.did()).orElse(RepoSyncState.unknown(s.did()));
        if (st.rev().isPresent() && s.rev().compareTo(st.rev().get()) <= 0) {
            return;
        }
        Optional<Cid> data = s.blocks().roots().stream().findFirst().flatMap(s.blocks()::block)
                .flatMap(Follower::dataOf);
        if (st.status() == RepoSyncState.Status.SYNCHRONIZED && data.isPresent() && data.equals(st.data())) {
            state.saveRepo(sourceName, st.at(s.rev(), data));
            return;
        }
        resync(s.did(), user.get(), st, "a newer #sync differs from the stored state", Optional.of(s.rev()), data);
    }

    private static Optional<Cid> dataOf(byte[] commitBlock) {
        try {
            return DagCbor.decode(commitBlock) instanceof Map<?, ?> m && m.get("data") instanceof Cid c
                    ? Optional.of(c) : Optional.empty();
        } catch (RuntimeException e) {
            return Optional.empty();
        }
    }

    private void onCommit(FirehoseEvent.Commit c) {
        Optional<UserId> user = accounts.userOf(c.repo());
        if (user.isEmpty()) {
            return;
        }
        RepoSyncState st = state.repo(sourceName, c.repo()).orElse(RepoSyncState.unknown(c.repo()));
        if (st.rev().isPresent() && c.rev().compareTo(st.rev().get()) <= 0) {
            return;
        }
        Cid data;
        try {
            data = verify(c, st);
        } catch (Gap gap) {
            resync(c.repo(), user.get(), st, gap.getMessage(), Optional.of(c.rev()), gap.data);
            return;
        } catch (VerificationException | MalformedEventException e) {
            accounts.forget(c.repo());
            authenticator.refresh(c.repo());
            resync(c.repo(), user.get(), st, "commit " + c.rev() + " failed verification: " + e.getMessage(),
                    Optional.empty(), Optional.empty());
            return;
        }
        for (RepoOp op : c.ops()) {
            if (!op.collection().equals(MOOD_COLLECTION)) {
                continue;
            }
            Optional<RecordKey> rkey = RecordKey.tryParse(op.rkey());
            if (rkey.isEmpty()) {
                continue;
            }
            if (op.action() == RepoOp.Action.DELETE) {
                applyDelete(c.repo(), user.get(), rkey.get(), c.seq());
            } else {
                Cid cid = op.cid().orElseThrow();
                Optional<Map<String, Object>> value = c.blocks().block(cid).flatMap(Follower::decodeRecord);
                if (value.isEmpty()) {
                    report(IngestChange.Kind.REPORTED, c.repo(), rkey, Optional.empty(), c.seq(),
                            "record " + cid + " missing from the commit or not a map: never copied");
                    reported.increment();
                    continue;
                }
                applyPut(c.repo(), user.get(), rkey.get(), cid, value.get(), c.seq());
            }
        }
        state.saveRepo(sourceName, st.at(c.rev(), Optional.of(data)));
    }

    @SuppressWarnings("unchecked")
    private static Optional<Map<String, Object>> decodeRecord(byte[] block) {
        try {
            return DagCbor.decode(block) instanceof Map<?, ?> m ? Optional.of((Map<String, Object>) m)
                    : Optional.empty();
        } catch (RuntimeException e) {
            return Optional.empty();
        }
    }

    /** A commit that does not continue the stored chain (or is too big to check): resync. */
    private static final class Gap extends Exception {
        private static final long serialVersionUID = 1L;
        private final transient Optional<Cid> data;

        Gap(String message, Optional<Cid> data) {
            super(message, null, false, false);
            this.data = data;
        }
    }

    private Cid verify(FirehoseEvent.Commit c, RepoSyncState st) throws Gap {
        byte[] block = c.blocks().block(c.commit()).orElseThrow(() -> new VerificationException(
                VerificationException.Reason.PROOF_INCOMPLETE,
                "the commit block " + c.commit() + " is not in the event's blocks"));
        Map<String, Object> commit = decodeRecord(block).orElse(null);
        if (commit == null) {
            throw new VerificationException(VerificationException.Reason.COMMIT_MISMATCH,
                    "the commit block is not a map");
        }
        if (!(commit.get("data") instanceof Cid data) || !c.repo().toString().equals(commit.get("did"))
                || !c.rev().equals(commit.get("rev"))) {
            throw new VerificationException(VerificationException.Reason.COMMIT_MISMATCH,
                    "the commit block does not name " + c.repo() + " at rev " + c.rev());
        }
        authenticator.authenticate(c);
        if (c.tooBig()) {
            throw new Gap("commit " + c.rev() + " is too big to carry its blocks", Optional.of(data));
        }
        if (st.status() == RepoSyncState.Status.DESYNCHRONIZED) {
            throw new Gap("repository not synchronized yet", Optional.of(data));
        }
        if (st.rev().isPresent() && c.since().isPresent() && !c.since().equals(st.rev())) {
            throw new Gap("gap: commit since " + c.since().get() + ", stored rev " + st.rev().get(), Optional.of(data));
        }
        if (st.data().isPresent() && c.prevData().isPresent() && !c.prevData().equals(st.data())) {
            throw new Gap("gap: prevData " + c.prevData().get() + ", stored data " + st.data().get(),
                    Optional.of(data));
        }
        if (c.prevData().isPresent()) {
            Cid before = Mst.invert(data, c.ops(), c.blocks()::block);
            if (!before.equals(c.prevData().get())) {
                throw new VerificationException(VerificationException.Reason.PREV_DATA_MISMATCH,
                        "inverting the ops gives " + before + ", not prevData " + c.prevData().get());
            }
        }
        return data;
    }

    // ---------------------------------------------------------------- resync

    private void resyncDesynchronized() {
        List<RepoSyncState> desync;
        try (Stream<RepoSyncState> all = state.repos(sourceName)) {
            desync = all.filter(r -> r.status() == RepoSyncState.Status.DESYNCHRONIZED).toList();
        }
        for (RepoSyncState r : desync) {
            Optional<UserId> user = accounts.userOf(r.did());
            // An account that is not active cannot be listed (the PDS answers "Could not find repo"): its
            // repository is resynced when it is active again (its #sync, or its next commit, is a gap then).
            if (user.isPresent() && r.accountStatus().isEmpty()) {
                resync(r.did(), user.get(), r, "left desynchronized", Optional.empty(), Optional.empty());
            }
        }
    }

    private void resync(Did did, UserId user, RepoSyncState st, String reason, Optional<String> rev,
            Optional<Cid> data) {
        LOG.info("resyncing {} ({})", did, reason);
        state.saveRepo(sourceName, st.desynchronized());
        Map<RecordKey, RepoRecord> records = new HashMap<>();
        try (Stream<RepoRecord> all = repo.listAll(did, MoodRecords.COLLECTION)) {
            all.forEach(r -> records.put(r.rkey(), r));
        } catch (PdsException e) {
            if (e.isRetryable()) {
                throw e; // the event is replayed from the cursor once the PDS answers again
            }
            // Typically an account deleted (or taken down) while the follower was down, whose #account event comes
            // later in the replay: nothing is known of its records, so nothing is applied (its moods are kept), and
            // the repository stays desynchronized instead of stopping the follower on every replay.
            LOG.warn("could not list {} to resync it ({}); left desynchronized until its account is active again",
                    did, e.label());
            reported.increment();
            report(IngestChange.Kind.REPORTED, did, Optional.empty(), Optional.empty(), -1,
                    reason + "; the repository could not be listed (" + e.label()
                            + "): left desynchronized, its moods untouched");
            return;
        }
        for (RepoRecord r : records.values()) {
            applyPut(did, user, r.rkey(), r.cid(), r.value(), -1);
        }
        List<Mood> gone;
        try (Stream<Mood> moods = store.listByUser(user)) {
            gone = moods.filter(m -> !m.deleted() && m.pending().isEmpty() && m.rkey().isPresent()
                    && !records.containsKey(m.rkey().get())).toList();
        }
        for (Mood m : gone) {
            applyDelete(did, user, m.rkey().get(), -1);
        }
        RepoSyncState after = rev.isPresent() ? st.at(rev.get(), data)
                : new RepoSyncState(did, Optional.empty(), Optional.empty(), RepoSyncState.Status.SYNCHRONIZED,
                        st.accountStatus());
        state.saveRepo(sourceName, after);
        resyncs.increment();
        report(IngestChange.Kind.RESYNCED, did, Optional.empty(), Optional.empty(), -1,
                reason + "; " + records.size() + " records listed, " + gone.size() + " gone");
    }

    // ---------------------------------------------------------------- the policy

    private static Optional<Cid> cidOf(Mood mood) {
        try {
            return Optional.of(MoodRecords.cidOf(mood));
        } catch (InvalidRecordException e) {
            return Optional.empty();
        }
    }

    private void applyPut(Did did, UserId user, RecordKey rkey, Cid cid, Map<String, Object> value, long seq) {
        Optional<Mood> linked = store.findByRkey(user, rkey);
        Optional<MoodRecord> record = MoodRecords.tryDecode(value);
        if (linked.isPresent()) {
            Mood mood = linked.get();
            Optional<MoodId> id = Optional.of(mood.id());
            if (mood.pending().isPresent()) {
                inFlight(did, rkey, id, seq, "a write of the mood is pending: its marker decides");
            } else if (!mood.deleted() && cidOf(mood).equals(Optional.of(cid))) {
                echo(did, rkey, id, seq, "our own write");
            } else if (superseded(did, rkey, Optional.of(cid), seq)) {
                skipSuperseded(did, rkey, id, seq);
            } else if (record.isEmpty()) {
                reported(did, rkey, id, seq, "invalid record, never copied: " + MoodRecords.problems(value));
            } else if (record.get().ref().isPresent() && !record.get().ref().get().equals(mood.id())) {
                reported(did, rkey, id, seq, "the record at the mood's key names another mood "
                        + record.get().ref().get());
            } else if (mood.deleted()) {
                reported(did, rkey, id, seq, "a record was written at the key of a deleted mood");
            } else if (record.get().text().equals(mood.text())) {
                echo(did, rkey, id, seq, "the store already has this text");
            } else if (policy.onEdit() == IngestPolicy.OnEdit.REPORT) {
                reported(did, rkey, id, seq, "edited on the PDS (policy: report)");
            } else if (policy.onEdit() == IngestPolicy.OnEdit.RESTORE) {
                restore(mood, did, rkey, seq, "edited on the PDS: the stored text is written back");
            } else if (store.applyIngested(mood.id(), mood.text(), false, record.get().text(), false,
                    Optional.of(cid))) {
                applied.increment();
                report(IngestChange.Kind.EDITED, did, Optional.of(rkey), id, seq, "took the record's text");
            } else {
                inFlight(did, rkey, id, seq, "the mood changed while the edit was applied: the app's change wins");
            }
            return;
        }
        if (superseded(did, rkey, Optional.of(cid), seq)) {
            skipSuperseded(did, rkey, Optional.empty(), seq);
            return;
        }
        if (record.isEmpty()) {
            reported(did, rkey, Optional.empty(), seq, "invalid record, never imported: "
                    + MoodRecords.problems(value));
            return;
        }
        Optional<MoodId> named = record.get().ref();
        if (named.isPresent()) {
            Optional<Mood> other = store.find(named.get());
            if (other.isPresent() && !other.get().user().equals(user)) {
                reported(did, rkey, named, seq, "the record's ref names another user's mood: never linked");
                return;
            }
            if (other.isPresent() && other.get().pending().isPresent()) {
                // Typically our own create, whose commit arrived before the writer stored the link: the marker
                // decides (the writer links it, or a later reconcile judges a record the writer never linked).
                inFlight(did, rkey, named, seq, "a write of the mood is pending: its marker decides");
                return;
            }
            if (other.isPresent()) {
                reported(did, rkey, named, seq, "a record of this mood at another key: left to reconcile");
                return;
            }
        }
        if (policy.onNew() == IngestPolicy.OnNew.REPORT) {
            reported(did, rkey, named, seq, "a new record (policy: report)");
            return;
        }
        if (policy.onNew() == IngestPolicy.OnNew.DELETE) {
            removeNew(did, user, rkey, cid, named, seq);
            return;
        }
        MoodId id = named.orElseGet(() -> MoodId.generate(record.get().when().instant()));
        Mood mood = new Mood(id, user, record.get().text(), record.get().when().instant(), false,
                Optional.of(rkey), Optional.empty(), Optional.of(cid));
        try {
            if (store.insertIfAbsent(mood)) {
                applied.increment();
                report(IngestChange.Kind.IMPORTED, did, Optional.of(rkey), Optional.of(id), seq,
                        "imported a new record");
            } else {
                reported(did, rkey, Optional.of(id), seq, "a mood with the record's ref exists: left to reconcile");
            }
        } catch (StoreConflictException e) {
            inFlight(did, rkey, Optional.of(id), seq, "the record key was linked meanwhile");
        }
    }

    private void applyDelete(Did did, UserId user, RecordKey rkey, long seq) {
        Optional<Mood> linked = store.findByRkey(user, rkey);
        if (linked.isEmpty()) {
            return;
        }
        Mood mood = linked.get();
        Optional<MoodId> id = Optional.of(mood.id());
        if (mood.pending().isPresent()) {
            inFlight(did, rkey, id, seq, "a write of the mood is pending: its marker decides");
        } else if (mood.deleted()) {
            echo(did, rkey, id, seq, "the mood is deleted already");
        } else if (superseded(did, rkey, Optional.empty(), seq)) {
            skipSuperseded(did, rkey, id, seq);
        } else if (policy.onDelete() == IngestPolicy.OnDelete.REPORT) {
            reported(did, rkey, id, seq, "deleted on the PDS (policy: report)");
        } else if (policy.onDelete() == IngestPolicy.OnDelete.RESTORE) {
            restore(mood, did, rkey, seq, "deleted on the PDS: the record is written again from the store");
        } else if (store.applyIngested(mood.id(), mood.text(), false, mood.text(), true, Optional.empty())) {
            applied.increment();
            report(IngestChange.Kind.DELETED, did, Optional.of(rkey), id, seq, "soft-deleted: record deleted");
        } else {
            inFlight(did, rkey, id, seq, "the mood changed while the delete was applied: the app's change wins");
        }
    }

    /**
     * Gives the mood a pending marker so the write path brings the PDS back to the stored state. The marker is only
     * placed while the mood is still as read (no marker): a change of the app meanwhile writes its own state.
     */
    private void restore(Mood mood, Did did, RecordKey rkey, long seq, String why) {
        Optional<MoodId> id = Optional.of(mood.id());
        Optional<Mood> now = store.find(mood.id());
        if (now.isEmpty() || now.get().pending().isPresent() || !now.get().text().equals(mood.text())
                || now.get().deleted() != mood.deleted()) {
            inFlight(did, rkey, id, seq, "the mood changed meanwhile: its own write decides");
            return;
        }
        store.setPending(mood.id(), PendingSync.start(mood.deleted() ? SyncOp.DELETE : SyncOp.UPDATE, clock.instant()));
        applied.increment();
        report(IngestChange.Kind.RESTORED, did, Optional.of(rkey), id, seq, why);
    }

    /** Policy DELETE of a new record that belongs to no mood: deletes it on the PDS, fenced by the CID seen. */
    private void removeNew(Did did, UserId user, RecordKey rkey, Cid cid, Optional<MoodId> named, long seq) {
        Optional<AccountHold> hold = store.accountHold(user);
        if (hold.isPresent()) {
            reported(did, rkey, named, seq, "a new record, not deleted: the account is " + hold.get().status());
            return;
        }
        try {
            repo.deleteRecord(did, MoodRecords.COLLECTION, rkey, SwapRecord.cid(cid));
        } catch (SwapConflictException e) {
            reported(did, rkey, named, seq, "a new record changed before it could be deleted: left alone");
            return;
        } catch (PdsException e) {
            if (e.isRetryable()) {
                throw e; // the event is replayed from the cursor once the PDS answers again
            }
            reported(did, rkey, named, seq, "a new record could not be deleted: " + e.label());
            return;
        }
        applied.increment();
        report(IngestChange.Kind.REMOVED, did, Optional.of(rkey), named, seq,
                "a new record without a mood was deleted (policy: delete)");
    }

    /**
     * Tells whether a live event's operation is no longer the record's state on the PDS (a later commit changed
     * it again): then applying it would only move the store back in time, and the later event applies instead.
     * One getRecord, made only for an event the store does not already match. Resyncs read the current state.
     */
    private boolean superseded(Did did, RecordKey rkey, Optional<Cid> cid, long seq) {
        if (seq < 0) {
            return false;
        }
        return !repo.getRecord(did, MoodRecords.COLLECTION, rkey).map(RepoRecord::cid).equals(cid);
    }

    private void skipSuperseded(Did did, RecordKey rkey, Optional<MoodId> id, long seq) {
        echoes.increment();
        report(IngestChange.Kind.SUPERSEDED, did, Optional.of(rkey), id, seq,
                "a later commit changed the record again: that event applies");
    }

    private void echo(Did did, RecordKey rkey, Optional<MoodId> id, long seq, String why) {
        echoes.increment();
        report(IngestChange.Kind.ECHO, did, Optional.of(rkey), id, seq, why);
    }

    private void inFlight(Did did, RecordKey rkey, Optional<MoodId> id, long seq, String why) {
        inFlight.increment();
        report(IngestChange.Kind.IN_FLIGHT, did, Optional.of(rkey), id, seq, why);
    }

    private void reported(Did did, RecordKey rkey, Optional<MoodId> id, long seq, String why) {
        reported.increment();
        report(IngestChange.Kind.REPORTED, did, Optional.of(rkey), id, seq, why);
    }

    private void report(IngestChange.Kind kind, Did did, Optional<RecordKey> rkey, Optional<MoodId> id, long seq,
            String detail) {
        try {
            listener.changed(new IngestChange(kind, did, rkey, id, seq, detail));
        } catch (RuntimeException e) {
            LOG.warn("ingest listener failed on {}", kind, e);
        }
    }

    /**
     * Returns the counters.
     *
     * @return a snapshot
     */
    public FollowerStats stats() {
        return new FollowerStats(events.sum(), applied.sum(), echoes.sum(), inFlight.sum(), reported.sum(),
                resyncs.sum(), cursor, lag);
    }

    /** Stops the thread, closes the stream and releases the lease so a standby takes over at once. */
    @Override
    public void close() {
        running.set(false);
        Thread t;
        synchronized (this) {
            t = thread;
        }
        if (t != null) {
            t.interrupt();
            try {
                t.join(5000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        synchronized (pumpLock) {
            closeStream();
            if (holding) {
                try {
                    saveCursor();
                } catch (MoodSyncException e) {
                    LOG.warn("could not save the cursor of {} on close: {}", sourceName, e.getMessage());
                }
                try {
                    state.release(sourceName, owner);
                } catch (MoodSyncException e) {
                    LOG.warn("could not release the follower lease of {}: {}", sourceName, e.getMessage());
                }
                holding = false;
            }
        }
    }

    @Override
    public String toString() {
        return "Follower[" + sourceName + ", owner=" + owner + ", active=" + holding + "]";
    }

    /** Builds a {@link Follower}. Not thread-safe; the follower is. */
    public static final class Builder {
        private MoodStore store;
        private AtprotoRepo repo;
        private AccountDirectory accounts;
        private IngestStateStore state;
        private EventSource source;
        private String sourceName;
        private String owner = "follower-" + UUID.randomUUID();
        private IngestPolicy policy = IngestPolicy.DEFAULT;
        private IngestListener listener = IngestListener.NONE;
        private CommitAuthenticator authenticator;
        private Clock clock = Clock.systemUTC();
        private LongSupplier nanoTime = System::nanoTime;
        private Duration leaseTime = Duration.ofSeconds(30);
        private Consumer<UserId> resumeAccount;
        private int cursorEvents = 100;
        private Duration cursorTime = Duration.ofSeconds(1);

        private Builder() {
        }

        /** @param s the mood store; required @return this builder */
        public Builder store(MoodStore s) {
            this.store = Objects.requireNonNull(s, "store");
            return this;
        }

        /** @param r the PDS client used for resyncs; required @return this builder */
        public Builder repo(AtprotoRepo r) {
            this.repo = Objects.requireNonNull(r, "repo");
            return this;
        }

        /** @param a who owns which DID; required @return this builder */
        public Builder accounts(AccountDirectory a) {
            this.accounts = Objects.requireNonNull(a, "accounts");
            return this;
        }

        /** @param s where the cursor, repository states and lease live; required @return this builder */
        public Builder state(IngestStateStore s) {
            this.state = Objects.requireNonNull(s, "state");
            return this;
        }

        /**
         * Sets the event stream and its stable name (the key of the cursor and the lease).
         *
         * @param name the source's name, such as the PDS's host name
         * @param s the source
         * @return this builder
         */
        public Builder source(String name, EventSource s) {
            this.sourceName = Objects.requireNonNull(name, "name");
            this.source = Objects.requireNonNull(s, "source");
            return this;
        }

        /** @param o this follower's id in the lease; default a random one @return this builder */
        public Builder owner(String o) {
            this.owner = Objects.requireNonNull(o, "owner");
            return this;
        }

        /** @param p the policy; default {@link IngestPolicy#DEFAULT} @return this builder */
        public Builder policy(IngestPolicy p) {
            this.policy = Objects.requireNonNull(p, "policy");
            return this;
        }

        /** @param l the listener; default {@link IngestListener#NONE} @return this builder */
        public Builder listener(IngestListener l) {
            this.listener = Objects.requireNonNull(l, "listener");
            return this;
        }

        /** @param a checks commit signatures; required @return this builder */
        public Builder authenticator(CommitAuthenticator a) {
            this.authenticator = Objects.requireNonNull(a, "authenticator");
            return this;
        }

        /** @param c the clock for lag; default UTC system clock @return this builder */
        public Builder clock(Clock c) {
            this.clock = Objects.requireNonNull(c, "clock");
            return this;
        }

        /** @param n a monotonic nanosecond clock for the lease; default {@link System#nanoTime} @return this builder */
        public Builder nanoTime(LongSupplier n) {
            this.nanoTime = Objects.requireNonNull(n, "nanoTime");
            return this;
        }

        /** @param t the lease time, positive; default 30 s @return this builder */
        public Builder leaseTime(Duration t) {
            this.leaseTime = Objects.requireNonNull(t, "leaseTime");
            return this;
        }

        /**
         * Sets what an {@code #account active=true} of a held account does; by default the hold is released and the
         * user's held writes made due in the store. {@code MoodSyncService.follower()} sets its
         * {@code resumeAccount}, which also wakes its worker.
         *
         * @param r called with the user whose account is active again
         * @return this builder
         */
        public Builder resumeAccount(Consumer<UserId> r) {
            this.resumeAccount = Objects.requireNonNull(r, "resumeAccount");
            return this;
        }

        /**
         * Sets how often the cursor is saved: after {@code events} handled events or {@code time} since the last save,
         * whichever comes first, and whenever the stream goes idle, reconnects or the follower closes. Replays after
         * a crash are no-ops (the per-repository rev check), so this trades only replay work for store writes.
         *
         * @param events at least 1; default 100 (1 saves after every event)
         * @param time not negative; default 1 s
         * @return this builder
         */
        public Builder saveCursorEvery(int events, Duration time) {
            if (events < 1) {
                throw new IllegalArgumentException("events must be >= 1, found " + events);
            }
            Objects.requireNonNull(time, "time");
            if (time.isNegative()) {
                throw new IllegalArgumentException("time must not be negative, found " + time);
            }
            this.cursorEvents = events;
            this.cursorTime = time;
            return this;
        }

        /**
         * Builds the follower (not started).
         *
         * @return the follower
         * @throws IllegalArgumentException naming a missing or invalid property
         */
        public Follower build() {
            for (Object[] p : new Object[][] {{"store", store}, {"repo", repo}, {"accounts", accounts},
                    {"state", state}, {"source", source}, {"authenticator", authenticator}}) {
                if (p[1] == null) {
                    throw new IllegalArgumentException(p[0] + " is required");
                }
            }
            if (leaseTime.isNegative() || leaseTime.isZero()) {
                throw new IllegalArgumentException("leaseTime must be positive, found " + leaseTime);
            }
            return new Follower(this);
        }
    }
}
