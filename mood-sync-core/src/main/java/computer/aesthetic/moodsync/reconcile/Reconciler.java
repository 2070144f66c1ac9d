package computer.aesthetic.moodsync.reconcile;

import computer.aesthetic.moodsync.InvalidRecordException;
import computer.aesthetic.moodsync.Mood;
import computer.aesthetic.moodsync.MoodId;
import computer.aesthetic.moodsync.UserId;
import computer.aesthetic.moodsync.data.Cid;
import computer.aesthetic.moodsync.record.MoodRecord;
import computer.aesthetic.moodsync.record.MoodRecords;
import computer.aesthetic.moodsync.spi.Account;
import computer.aesthetic.moodsync.spi.AccountDirectory;
import computer.aesthetic.moodsync.spi.AtprotoRepo;
import computer.aesthetic.moodsync.spi.MalformedMood;
import computer.aesthetic.moodsync.spi.MoodStore;
import computer.aesthetic.moodsync.spi.RepoRecord;
import computer.aesthetic.moodsync.syntax.Did;
import computer.aesthetic.moodsync.syntax.RecordKey;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Compares a user's moods with the records of their {@code computer.aesthetic.mood} collection and names every
 * kind of drift ({@link #reconcile}), and turns a report into a repair plan ({@link #plan}). Neither writes
 * anything: apply a plan with {@link Repairer}.
 *
 * <h2>How it compares</h2>
 * Both sides are streamed: every page of the collection ({@link AtprotoRepo#listAll}) into a compact index (record
 * key, CID, {@code ref}, a digest of the text and the time; no record values), then the store's cursor
 * ({@link MoodStore#listByUser}, closed afterwards), mood by mood. A mood's records are those whose {@code ref} (or
 * legacy {@code mongoId}) names it, and a record without a ref that sits at the key the mood links or at
 * {@code rkeyFor(id)}. Content is compared by CID first (a record whose CID equals
 * {@link MoodRecords#cidOf(Mood)} is in sync without decoding), then by text and time: a record with the same text
 * and a {@code when} within {@link Builder#whenTolerance} is in sync, as the origin system's legacy records are.
 * Records that belong to no mood of the user are looked up with {@link MoodStore#find}: a ref that names no mood is
 * an {@link DriftKind#ORPHAN}, one that names another user's mood a {@link DriftKind#FOREIGN_REF}.
 *
 * <p>Memory: the index takes a few hundred bytes per record (a 100,000-record user fits in tens of megabytes); the
 * report keeps items for drift only, and only counts in-sync moods unless {@link Builder#keepInSyncItems} is set.
 * The records that a repair may need (unlinked, drifted and orphan records) are read again in a second listing,
 * only when there are any.
 *
 * <p>Built objects are immutable and thread-safe; reconciling different users in parallel is fine.
 */
public final class Reconciler {
    /** The default tolerance on {@code when}: 5 ms. */
    public static final Duration DEFAULT_WHEN_TOLERANCE = Duration.ofMillis(5);

    private final MoodStore store;
    private final AtprotoRepo repo;
    private final AccountDirectory accounts;
    private final Clock clock;
    private final Duration whenTolerance;
    private final boolean keepInSyncItems;

    private Reconciler(Builder b) {
        this.store = b.store;
        this.repo = b.repo;
        this.accounts = b.accounts;
        this.clock = b.clock;
        this.whenTolerance = b.whenTolerance;
        this.keepInSyncItems = b.keepInSyncItems;
    }

    /**
     * Starts a builder.
     *
     * @return a new builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /** Builds a {@link Reconciler}. Not thread-safe; the reconciler it builds is. */
    public static final class Builder {
        private MoodStore store;
        private AtprotoRepo repo;
        private AccountDirectory accounts;
        private Clock clock = Clock.systemUTC();
        private Duration whenTolerance = DEFAULT_WHEN_TOLERANCE;
        private boolean keepInSyncItems;

        private Builder() {
        }

        /**
         * Sets the store of moods. Required.
         *
         * @param store the store
         * @return this builder
         */
        public Builder store(MoodStore store) {
            this.store = store;
            return this;
        }

        /**
         * Sets the ATProto repositories. Required.
         *
         * @param repo the repositories
         * @return this builder
         */
        public Builder repo(AtprotoRepo repo) {
            this.repo = repo;
            return this;
        }

        /**
         * Sets the directory of accounts. Required.
         *
         * @param accounts the directory
         * @return this builder
         */
        public Builder accounts(AccountDirectory accounts) {
            this.accounts = accounts;
            return this;
        }

        /**
         * Sets the clock for the reports' times. Default: the system UTC clock.
         *
         * @param clock the clock
         * @return this builder
         */
        public Builder clock(Clock clock) {
            this.clock = clock;
            return this;
        }

        /**
         * Sets how far a record's {@code when} may be from the mood's and still be in sync (legacy records were
         * written from a second clock read). Default: {@link #DEFAULT_WHEN_TOLERANCE}.
         *
         * @param tolerance the tolerance, not negative
         * @return this builder
         */
        public Builder whenTolerance(Duration tolerance) {
            this.whenTolerance = tolerance;
            return this;
        }

        /**
         * Keeps an item per in-sync mood in reports, rather than only counting them. Default: false (a report of a
         * 100,000-mood user in sync stays small).
         *
         * @param keep true to keep them
         * @return this builder
         */
        public Builder keepInSyncItems(boolean keep) {
            this.keepInSyncItems = keep;
            return this;
        }

        /**
         * Builds the reconciler.
         *
         * @return the reconciler
         * @throws IllegalArgumentException naming the first missing or invalid property
         */
        public Reconciler build() {
            if (store == null) {
                throw new IllegalArgumentException("store is required");
            }
            if (repo == null) {
                throw new IllegalArgumentException("repo is required");
            }
            if (accounts == null) {
                throw new IllegalArgumentException("accounts is required");
            }
            if (clock == null) {
                throw new IllegalArgumentException("clock must not be null");
            }
            if (whenTolerance == null || whenTolerance.isNegative()) {
                throw new IllegalArgumentException("whenTolerance must be zero or positive, found " + whenTolerance);
            }
            return new Reconciler(this);
        }
    }

    MoodStore store() {
        return store;
    }

    AtprotoRepo repo() {
        return repo;
    }

    AccountDirectory accounts() {
        return accounts;
    }

    Clock clock() {
        return clock;
    }

    /**
     * Compares a user's moods with their records and classifies every mood and every record as one
     * {@link DriftKind}. Reads only; a user without an account gets a {@link ReconcileReport.Status#NO_ACCOUNT}
     * report.
     *
     * @param user the user
     * @return the report
     * @throws computer.aesthetic.moodsync.PdsException if the PDS cannot be read
     * @throws computer.aesthetic.moodsync.StoreException if the store cannot be read
     */
    public ReconcileReport reconcile(UserId user) {
        Objects.requireNonNull(user, "user");
        Instant started = clock.instant();
        Optional<Account> account = accounts.findByUser(user);
        if (account.isEmpty()) {
            long moods;
            try (Stream<Mood> s = store.listByUser(user)) {
                moods = s.count();
            }
            return new ReconcileReport(user, Optional.empty(), ReconcileReport.Status.NO_ACCOUNT, Map.of(),
                    List.of(), moods, 0, 0, keepInSyncItems, whenTolerance, started, clock.instant(),
                    store.fencedSince(user));
        }
        Did did = account.get().did();
        Run run = new Run(user, store.fencedSince(user));
        try (Stream<MalformedMood> s = store.listMalformed(Optional.of(user))) {
            s.forEach(bad -> MoodId.tryParse(bad.id()).ifPresent(id -> run.unreadableKeys.put(
                    MoodRecords.rkeyFor(id).value(), bad)));
        }
        try (Stream<RepoRecord> s = repo.listAll(did, MoodRecords.COLLECTION)) {
            s.forEach(run.index::add);
        }
        long moods = 0;
        try (Stream<Mood> s = store.listByUser(user)) {
            Iterator<Mood> it = s.iterator();
            while (it.hasNext()) {
                run.classify(it.next());
                moods++;
            }
        }
        run.leftovers();
        run.hydrate(did);
        return new ReconcileReport(user, Optional.of(did), ReconcileReport.Status.RECONCILED, run.counts(),
                run.items, moods, run.index.size(), run.pending, keepInSyncItems, whenTolerance, started,
                clock.instant(), run.fenced);
    }

    /**
     * Plans the repair of a report under a policy: a list of actions, printable and reviewable, and the items left
     * alone with the reason. Writes nothing. See {@link RepairPlan} for the rules.
     *
     * @param report the report
     * @param policy the policy
     * @return the plan
     */
    public RepairPlan plan(ReconcileReport report, RepairPolicy policy) {
        return Planner.plan(report, policy, clock.instant());
    }

    /** One reconciliation's state. */
    private final class Run {
        final UserId user;
        final RecordIndex index = new RecordIndex();
        final List<DriftItem> items = new ArrayList<>();
        final long[] counts = new long[DriftKind.values().length];
        /** Item positions whose decoded record a repair may need, by record key. */
        final Map<String, Integer> needRecord = new HashMap<>();
        /** {@code rkeyFor(id)} of the user's documents the store cannot read, by key. */
        final Map<String, MalformedMood> unreadableKeys = new HashMap<>();
        /** The user's erasure tombstone, when they are fenced: then every record of theirs is erasure drift. */
        final Optional<Instant> fenced;
        long pending;

        Run(UserId user, Optional<Instant> fenced) {
            this.user = user;
            this.fenced = fenced;
        }

        Map<DriftKind, Long> counts() {
            Map<DriftKind, Long> m = new EnumMap<>(DriftKind.class);
            for (DriftKind k : DriftKind.values()) {
                m.put(k, counts[k.ordinal()]);
            }
            return m;
        }

        void add(DriftItem item, boolean wantRecord) {
            if (fenced.isPresent() && item.recordCid().isPresent() && item.kind() != DriftKind.FOREIGN_REF) {
                // Nothing of an erased user is kept: a write frozen past the erasure that landed after it, say.
                item = new DriftItem(DriftKind.ERASED_USER_RECORD, item.moodId(), item.rkey(), item.recordCid(),
                        "the user is fenced for erasure (since " + fenced.get() + "): this record of their repository"
                                + " is deleted (it would otherwise be " + item.kind() + ")", false, false,
                        Optional.empty(), Optional.empty());
                wantRecord = false;
            }
            counts[item.kind().ordinal()]++;
            if (item.pending()) {
                pending++;
            }
            if (item.kind() == DriftKind.IN_SYNC && !keepInSyncItems) {
                return;
            }
            if (wantRecord && item.rkey().isPresent()) {
                needRecord.put(item.rkey().get().value(), items.size());
            }
            items.add(item);
        }

        void classify(Mood m) {
            List<RecordIndex.Entry> mine = new ArrayList<>(2);
            for (RecordIndex.Entry e : index.byRef(m.id())) {
                if (!e.claimed) {
                    mine.add(e); // invalid ones too: a record naming the mood is the mood's, whatever its shape
                }
            }
            RecordKey derived = MoodRecords.rkeyFor(m.id());
            m.rkey().flatMap(k -> RecordIndex.unclaimedRefless(index.get(k))).ifPresent(mine::add);
            RecordIndex.unclaimedRefless(index.get(derived)).filter(e -> !mine.contains(e)).ifPresent(mine::add);
            mine.sort(Comparator.comparing(e -> e.rkey));
            for (RecordIndex.Entry e : mine) {
                e.claimed = true;
            }
            boolean pend = m.pending().isPresent();
            String pendNote = pend ? " (pending " + m.pending().get().op()
                    + (m.pending().get().failed() ? ", parked" : "") + ": drift expected until the sync worker writes it)"
                    : "";
            Optional<MoodId> id = Optional.of(m.id());

            if (m.deleted()) {
                if (mine.isEmpty()) {
                    add(new DriftItem(DriftKind.IN_SYNC, id, m.rkey(), Optional.empty(),
                            "deleted, no record" + pendNote, pend, false, Optional.empty(), Optional.empty()), false);
                }
                for (RecordIndex.Entry e : mine) {
                    add(new DriftItem(DriftKind.DELETED_BUT_ON_PDS, id, Optional.of(e.key()), Optional.of(e.cid),
                            "the mood is deleted in the store but this record of it is still on the PDS" + pendNote,
                            pend, false, Optional.of(m), Optional.empty()), false);
                }
                return;
            }

            if (mine.isEmpty()) {
                if (m.rkey().isPresent() && index.get(m.rkey().get()) == null) {
                    add(new DriftItem(DriftKind.DANGLING_LINK, id, m.rkey(), Optional.empty(),
                            "the store links " + m.rkey().get() + " but there is no record there, nor any other record"
                                    + " of this mood" + pendNote, pend, false, Optional.of(m), Optional.empty()), false);
                    return;
                }
                StringBuilder why = new StringBuilder("no record of this mood on the PDS");
                m.rkey().ifPresent(k -> why.append("; the linked key ").append(k).append(" holds ")
                        .append(describe(index.get(k))));
                // The key is a pure function of the id: rkeyFor(id), else the first free fallback key in the fixed
                // probing order. Every plan for this state picks the same key, so applying several converges.
                Optional<RecordKey> target = Optional.empty();
                for (int n = 0; n <= MoodRecords.FALLBACK_KEYS && target.isEmpty(); n++) {
                    RecordKey k = MoodRecords.fallbackKey(m.id(), n);
                    RecordIndex.Entry occupant = index.get(k);
                    if (occupant == null) {
                        target = Optional.of(k);
                        if (n > 0) {
                            why.append(", so the record goes to its fallback key #").append(n).append(' ').append(k);
                        }
                    } else {
                        why.append(n == 0 ? "; rkeyFor(id) " : "; fallback key #" + n + " ").append(k)
                                .append(" holds ").append(describe(occupant));
                    }
                }
                if (target.isEmpty()) {
                    why.append(": every key this mood may take is taken; nothing is created");
                }
                add(new DriftItem(DriftKind.MISSING_ON_PDS, id, target, Optional.empty(),
                        why + pendNote, pend, false, Optional.of(m), Optional.empty()), false);
                return;
            }

            RecordIndex.Entry keeper = null;
            if (m.rkey().isPresent()) {
                keeper = find(mine, m.rkey().get().value());
            }
            if (keeper == null) {
                keeper = find(mine, derived.value());
            }
            if (keeper == null) {
                keeper = mine.stream().filter(RecordIndex.Entry::valid).findFirst().orElse(mine.get(0));
            }
            boolean linked = m.rkey().isPresent() && m.rkey().get().value().equals(keeper.rkey);
            Optional<RecordKey> at = Optional.of(keeper.key());
            if (!keeper.valid()) {
                // The mood's record, though it breaks the lexicon: rewritten in place, never a second record.
                add(new DriftItem(DriftKind.INVALID_RECORD, id, at, Optional.of(keeper.cid),
                        "this mood's record breaks the lexicon (" + keeper.problems + "); it is rewritten in place"
                                + " from the store" + (linked ? "" : ", and linked") + pendNote, pend, !linked,
                        Optional.of(m), Optional.empty()), false);
                duplicates(m, mine, keeper, pendNote, pend);
                return;
            }
            String drift = contentDrift(m, keeper);
            if (linked && drift == null) {
                add(new DriftItem(DriftKind.IN_SYNC, id, at, Optional.of(keeper.cid), inSyncNote(m, keeper) + pendNote,
                        pend, false, Optional.empty(), Optional.empty()), false);
            } else if (!linked) {
                String how = keeper.ref != null ? (keeper.legacy ? "its mongoId" : "its ref") : "its key";
                add(new DriftItem(DriftKind.UNLINKED, id, at, Optional.of(keeper.cid),
                        "the record at " + keeper.rkey + " mirrors this mood (by " + how + ") but the store links "
                                + m.rkey().map(RecordKey::value).orElse("nothing")
                                + (drift == null ? "" : "; content differs too: " + drift) + pendNote,
                        pend, drift != null, Optional.of(m), Optional.empty()), true);
            } else {
                add(new DriftItem(DriftKind.CONTENT_DRIFT, id, at, Optional.of(keeper.cid), drift + pendNote, pend,
                        false, Optional.of(m), Optional.empty()), true);
            }
            duplicates(m, mine, keeper, pendNote, pend);
        }

        private void duplicates(Mood m, List<RecordIndex.Entry> mine, RecordIndex.Entry keeper, String pendNote,
                boolean pend) {
            for (RecordIndex.Entry e : mine) {
                if (e != keeper) {
                    add(new DriftItem(DriftKind.DUPLICATE, Optional.of(m.id()), Optional.of(e.key()),
                            Optional.of(e.cid), "a further record of this mood"
                                    + (e.valid() ? "" : " (it breaks the lexicon)") + "; the copy at " + keeper.rkey
                                    + " is kept" + pendNote, pend, false, Optional.empty(), Optional.empty()), false);
                }
            }
        }

        /** Records that no mood of the user claimed, and invalid records, in record-key order. */
        void leftovers() {
            Map<MoodId, Optional<Mood>> found = new HashMap<>();
            for (RecordIndex.Entry e : index.entries()) {
                if (e.claimed) {
                    continue;
                }
                if (e.ref == null) {
                    e.claimed = true;
                    MalformedMood unreadable = unreadableKeys.get(e.rkey);
                    if (unreadable != null) {
                        add(unreadable(e, unreadable, "the record sits at rkeyFor(" + unreadable.id() + ")"), false);
                        continue;
                    }
                    if (!e.valid()) {
                        add(new DriftItem(DriftKind.INVALID_RECORD, Optional.empty(), Optional.of(e.key()),
                                Optional.of(e.cid), "breaks the lexicon and belongs to no mood: " + e.problems, false,
                                false, Optional.empty(), Optional.empty()), false);
                        continue;
                    }
                    add(new DriftItem(DriftKind.ORPHAN, Optional.empty(), Optional.of(e.key()), Optional.of(e.cid),
                            "the record has no ref (nor mongoId), and no mood links it", false, false,
                            Optional.empty(), Optional.empty()), true);
                    continue;
                }
                Optional<Mood> owner = found.computeIfAbsent(e.ref, store::find);
                if (owner.isPresent() && owner.get().user().equals(user)) {
                    // The mood appeared after the listing began: classify it now, with its records.
                    classify(owner.get());
                    continue;
                }
                e.claimed = true;
                if (owner.isPresent()) {
                    add(new DriftItem(DriftKind.FOREIGN_REF, Optional.of(e.ref), Optional.of(e.key()),
                            Optional.of(e.cid), "the record's " + (e.legacy ? "mongoId" : "ref") + " names mood "
                                    + e.ref + " of another user; never linked, imported or overwritten", false, false,
                            Optional.empty(), Optional.empty()), false);
                    continue;
                }
                Optional<MalformedMood> unreadable = store.findMalformed(e.ref);
                if (unreadable.isPresent()) {
                    add(unreadable(e, unreadable.get(), "the record's " + (e.legacy ? "mongoId" : "ref")
                            + " names it"), false);
                } else if (!e.valid()) {
                    add(new DriftItem(DriftKind.INVALID_RECORD, Optional.of(e.ref), Optional.of(e.key()),
                            Optional.of(e.cid), "breaks the lexicon (" + e.problems + "); its "
                                    + (e.legacy ? "mongoId" : "ref") + " names mood " + e.ref
                                    + ", which the store does not have", false, false, Optional.empty(),
                            Optional.empty()), false);
                } else {
                    add(new DriftItem(DriftKind.ORPHAN, Optional.of(e.ref), Optional.of(e.key()), Optional.of(e.cid),
                            "the record's " + (e.legacy ? "mongoId" : "ref") + " names mood " + e.ref
                                    + ", which the store does not have", false, false, Optional.empty(),
                            Optional.empty()), true);
                }
            }
        }

        private DriftItem unreadable(RecordIndex.Entry e, MalformedMood doc, String how) {
            return new DriftItem(DriftKind.UNREADABLE_MOOD, MoodId.tryParse(doc.id()), Optional.of(e.key()),
                    Optional.of(e.cid), "the record belongs to mood document " + doc.id() + " (" + how
                            + "), which the store cannot read (" + doc.problem() + "); a known mood, never an"
                            + " orphan: never deleted, imported or overwritten. Fix the document, then reconcile"
                            + " again", false, false, Optional.empty(), Optional.empty());
        }

        /** Reads again the records a repair may need, in one more listing, and puts them into their items. */
        void hydrate(Did did) {
            if (needRecord.isEmpty()) {
                return;
            }
            try (Stream<RepoRecord> s = repo.listAll(did, MoodRecords.COLLECTION)) {
                s.forEach(r -> {
                    Integer at = needRecord.get(r.rkey().value());
                    if (at == null) {
                        return;
                    }
                    DriftItem item = items.get(at);
                    if (!item.recordCid().equals(Optional.of(r.cid()))) {
                        return;
                    }
                    Optional<MoodRecord> decoded = MoodRecords.tryDecode(r.value());
                    items.set(at, new DriftItem(item.kind(), item.moodId(), item.rkey(), item.recordCid(),
                            item.detail(), item.pending(), item.contentDiffers(), item.mood(), decoded));
                });
            }
        }

        private RecordIndex.Entry find(List<RecordIndex.Entry> entries, String rkey) {
            for (RecordIndex.Entry e : entries) {
                if (e.rkey.equals(rkey)) {
                    return e;
                }
            }
            return null;
        }

        /** Returns null when in sync, else what differs. */
        private String contentDrift(Mood m, RecordIndex.Entry e) {
            Optional<Cid> canonical = canonicalCid(m);
            if (canonical.isPresent() && canonical.get().equals(e.cid)) {
                return null;
            }
            boolean sameText = index.digest(m.text()) == e.textDigest;
            long offMicros = Math.abs(e.whenMicros - RecordIndex.micros(m.when()));
            boolean sameWhen = offMicros <= whenTolerance.toNanos() / 1_000;
            if (sameText && sameWhen) {
                return null;
            }
            List<String> parts = new ArrayList<>(2);
            if (!sameText) {
                parts.add("the text differs");
            }
            if (!sameWhen) {
                parts.add("when differs by " + formatMicros(offMicros) + " (tolerance " + whenTolerance.toMillis()
                        + " ms)");
            }
            return String.join(" and ", parts);
        }

        private String inSyncNote(Mood m, RecordIndex.Entry e) {
            long offMicros = Math.abs(e.whenMicros - RecordIndex.micros(m.when()));
            String note = e.legacy ? "in sync (legacy mongoId record)" : "in sync";
            return offMicros == 0 ? note : note + ", when " + formatMicros(offMicros) + " off (within tolerance)";
        }
    }

    private static Optional<Cid> canonicalCid(Mood m) {
        try {
            return Optional.of(MoodRecords.cidOf(m));
        } catch (InvalidRecordException e) {
            return Optional.empty();
        }
    }

    private static String formatMicros(long micros) {
        return micros % 1000 == 0 ? micros / 1000 + " ms" : micros + " µs";
    }

    private static String describe(RecordIndex.Entry e) {
        if (e == null) {
            return "no record";
        }
        if (!e.valid()) {
            return "an invalid record";
        }
        return e.ref == null ? "a record without ref" : "a record of mood " + e.ref;
    }
}
