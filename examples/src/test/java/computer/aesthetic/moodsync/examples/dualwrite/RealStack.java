package computer.aesthetic.moodsync.examples.dualwrite;

import static org.assertj.core.api.Assertions.assertThat;

import com.mongodb.client.MongoDatabase;
import computer.aesthetic.moodsync.Mood;
import computer.aesthetic.moodsync.MoodId;
import computer.aesthetic.moodsync.PendingSync;
import computer.aesthetic.moodsync.SyncState;
import computer.aesthetic.moodsync.UserId;
import computer.aesthetic.moodsync.mongo.MongoAccountDirectory;
import computer.aesthetic.moodsync.pds.PdsAtprotoRepo;
import computer.aesthetic.moodsync.pds.testing.ReferencePds;
import computer.aesthetic.moodsync.record.MoodRecords;
import computer.aesthetic.moodsync.spi.AccountDirectory;
import computer.aesthetic.moodsync.spi.AtprotoRepo;
import computer.aesthetic.moodsync.spi.MoodStore;
import computer.aesthetic.moodsync.spi.RepoRecord;
import computer.aesthetic.moodsync.spi.RepoWrite;
import computer.aesthetic.moodsync.syntax.Did;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.IntSupplier;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.bson.Document;

/**
 * Shared set-up and checks for the dual-write tests on the real stack (reference PDS + MongoDB): seeding the origin's
 * {@code users} documents, wiping the shared PDS's mood collection, draining the queue and the exactly-once check.
 */
final class RealStack {
    private RealStack() {
    }

    /** A user of the origin system bound to one of the reference PDS's accounts. */
    record TestUser(UserId user, Did did) {
    }

    /**
     * Inserts the origin's {@code users} documents ({@code {_id, atproto: {did, handle, password}}}) for the first
     * {@code count} accounts of the PDS.
     */
    static List<TestUser> seedUsers(MongoDatabase db, ReferencePds pds, int count) {
        assertThat(pds.accounts()).as("reference PDS accounts").hasSizeGreaterThanOrEqualTo(count);
        List<TestUser> users = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            ReferencePds.Account a = pds.account(i);
            String id = "auth0|" + a.handle().replace(".test", "");
            db.getCollection(MongoAccountDirectory.DEFAULT_USERS).insertOne(new Document("_id", id)
                    .append("atproto", new Document("did", a.did()).append("handle", a.handle())
                            .append("password", a.password())));
            users.add(new TestUser(new UserId(id), Did.parse(a.did())));
        }
        return users;
    }

    /** A PDS client with test-friendly retry delays (the PDS runs on this machine). */
    static PdsAtprotoRepo.Builder repo(String pdsUrl, AccountDirectory accounts) {
        return PdsAtprotoRepo.builder()
                .accounts(accounts)
                .defaultPds(pdsUrl)
                .backoff(Duration.ofMillis(50), Duration.ofMillis(500))
                .readTimeout(Duration.ofSeconds(20))
                .callTimeout(Duration.ofSeconds(30));
    }

    /** Deletes every record of the mood collection of a repository (the PDS is shared by the whole test run). */
    static void wipe(AtprotoRepo repo, Did did) {
        List<RepoWrite> deletes;
        try (Stream<RepoRecord> all = repo.listAll(did, MoodRecords.COLLECTION)) {
            deletes = all.map(r -> (RepoWrite) new RepoWrite.Delete(MoodRecords.COLLECTION, r.rkey())).toList();
        }
        for (int i = 0; i < deletes.size(); i += AtprotoRepo.MAX_WRITES) {
            repo.applyWrites(did, deletes.subList(i, Math.min(deletes.size(), i + AtprotoRepo.MAX_WRITES)));
        }
        assertThat(records(repo, did)).as("collection of %s wiped", did).isEmpty();
    }

    static List<RepoRecord> records(AtprotoRepo repo, Did did) {
        try (Stream<RepoRecord> all = repo.listAll(did, MoodRecords.COLLECTION)) {
            return all.toList();
        }
    }

    static List<Mood> pending(MoodStore store) {
        try (Stream<Mood> p = store.listPending(Optional.empty())) {
            return p.filter(m -> m.pending().isPresent()).toList();
        }
    }

    static List<Mood> moodsOf(MoodStore store, UserId user) {
        try (Stream<Mood> s = store.listByUser(user)) {
            return s.toList();
        }
    }

    /**
     * Runs {@code pass} (a worker pass, or nothing when a running worker does the work) until no work is pending or
     * only parked work is left, or the deadline passes.
     */
    static void drain(MoodStore store, IntSupplier pass, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            pass.getAsInt();
            List<Mood> left = pending(store);
            // listPending on a live store may return a mood whose marker was just cleared: count only real markers
            if (left.stream().allMatch(m -> m.pending().map(PendingSync::failed).orElse(true))) {
                return;
            }
            Thread.sleep(100);
        }
    }

    /**
     * Checks the dual-write invariants for one user: nothing pending or parked; every live mood linked at
     * {@code rkeyFor(id)} with exactly one record of matching content; no record for a deleted mood; no other record.
     *
     * @return the number of live moods
     */
    static int assertExactlyOnce(MoodStore store, AtprotoRepo repo, TestUser u) {
        List<Mood> moods = moodsOf(store, u.user());
        List<Mood> stuck = moods.stream().filter(m -> m.pending().isPresent()).toList();
        assertThat(stuck).as("moods of %s still pending or parked (first: %s)", u.user(),
                stuck.isEmpty() ? "" : stuck.get(0).pending()).isEmpty();
        Map<String, Mood> live = new HashMap<>();
        for (Mood m : moods) {
            if (m.deleted()) {
                assertThat(m.syncState()).as("deleted mood %s", m.id()).isEqualTo(SyncState.DELETED);
                // a synced delete leaves the link as it was (MoodStore#completeSync), so an undelete reuses the key
                m.rkey().ifPresent(k -> assertThat(k).as("link of deleted mood %s", m.id())
                        .isEqualTo(MoodRecords.rkeyFor(m.id())));
            } else {
                assertThat(m.rkey()).as("mood %s linked at rkeyFor(id)", m.id())
                        .contains(MoodRecords.rkeyFor(m.id()));
                live.put(m.id().toString(), m);
            }
        }
        List<RepoRecord> records = records(repo, u.did());
        List<String> refs = records.stream().map(r -> String.valueOf(r.value().get("ref"))).toList();
        Set<String> distinct = new HashSet<>(refs);
        assertThat(refs).as("records of %s: one per mood, no duplicates", u.did()).hasSameSizeAs(distinct);
        Set<String> deletedIds = moods.stream().filter(Mood::deleted).map(m -> m.id().toString())
                .collect(Collectors.toSet());
        assertThat(distinct).as("no record left for a deleted mood of %s", u.user())
                .filteredOn(deletedIds::contains).isEmpty();
        assertThat(distinct).as("the records of %s are exactly its live moods (no lost mood, no orphan)", u.user())
                .isEqualTo(live.keySet());
        for (RepoRecord r : records) {
            Mood m = live.get(String.valueOf(r.value().get("ref")));
            assertThat(r.rkey()).as("record of mood %s at rkeyFor(id)", m.id()).isEqualTo(MoodRecords.rkeyFor(m.id()));
            assertThat(r.value()).as("content of the record of mood %s", m.id()).isEqualTo(MoodRecords.toRecord(m));
        }
        return live.size();
    }

    static void assertAllStored(MoodStore store, Collection<MoodId> posted, Collection<MoodId> deleted) {
        for (MoodId id : posted) {
            assertThat(store.find(id)).as("posted mood %s is in the store", id).isPresent();
        }
        for (MoodId id : deleted) {
            assertThat(store.find(id).orElseThrow().deleted()).as("mood %s deleted", id).isTrue();
        }
    }
}
