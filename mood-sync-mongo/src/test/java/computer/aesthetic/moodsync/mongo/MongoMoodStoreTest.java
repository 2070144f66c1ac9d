package computer.aesthetic.moodsync.mongo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.Filters;
import computer.aesthetic.moodsync.Mood;
import computer.aesthetic.moodsync.MoodId;
import computer.aesthetic.moodsync.PendingSync;
import computer.aesthetic.moodsync.StoreConflictException;
import computer.aesthetic.moodsync.StoreException;
import computer.aesthetic.moodsync.SyncOp;
import computer.aesthetic.moodsync.UserId;
import computer.aesthetic.moodsync.mongo.testing.MongoTestExtension;
import computer.aesthetic.moodsync.spi.Claim;
import computer.aesthetic.moodsync.spi.MalformedMood;
import computer.aesthetic.moodsync.spi.MoodChange;
import computer.aesthetic.moodsync.spi.MoodStore;
import computer.aesthetic.moodsync.spi.MoodStoreContract;
import computer.aesthetic.moodsync.syntax.RecordKey;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.bson.Document;
import org.bson.types.ObjectId;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Runs the {@link MoodStoreContract} on MongoDB (embedded, or real when {@code MOODSYNC_MONGO_URI} is set), plus the
 * MongoDB-specific behaviour: the exact document shapes, legacy documents, indexes and claims from two instances.
 */
class MongoMoodStoreTest extends MoodStoreContract {
    @RegisterExtension
    static final MongoTestExtension MONGO = new MongoTestExtension();

    private static final String LEGACY_TID = "3l4ppbzw2qt2x";

    @Override
    protected MoodStore newStore() {
        return MongoMoodStore.builder(MONGO.database()).build();
    }

    private static MongoCollection<Document> raw() {
        return MONGO.database().getCollection("moods");
    }

    private static Document rawDoc(MoodId id) {
        Document d = raw().find(Filters.eq("_id", new ObjectId(id.value()))).first();
        assertThat(d).as("raw document %s", id).isNotNull();
        return d;
    }

    private static <T> List<T> list(Stream<T> stream) {
        try (stream) {
            return stream.toList();
        }
    }

    private static Document legacy(ObjectId id, String user, Object mood, Date when) {
        Document d = new Document("_id", id);
        if (user != null) {
            d.append("user", user);
        }
        d.append("mood", mood);
        if (when != null) {
            d.append("when", when);
        }
        return d;
    }

    private static final Date WHEN = Date.from(Instant.parse("2024-05-01T10:20:30.456Z"));

    // ---- document shapes -----------------------------------------------------------------------------------------

    @Test
    void newMoodIsInsertedWithItsMarkerInOneDocument() {
        Mood m = posted(ALICE, 1);
        store.insert(m);
        Document d = rawDoc(m.id());
        assertThat(d.keySet()).containsExactly("_id", "user", "mood", "when", "atprotoSync");
        assertThat(d.get("_id")).isEqualTo(new ObjectId(m.id().value()));
        assertThat(d.get("user")).isEqualTo(ALICE.value());
        assertThat(d.get("when")).isEqualTo(Date.from(m.when()));
        Document sync = d.get("atprotoSync", Document.class);
        assertThat(sync.keySet()).containsExactly("op", "token", "attempts", "nextAttemptAt");
        assertThat(sync.get("op")).isEqualTo("CREATE");
        assertThat(sync.get("token")).isInstanceOf(Long.class).isEqualTo(m.pending().orElseThrow().token());
        assertThat(sync.get("attempts")).isInstanceOf(Integer.class).isEqualTo(0);
        assertThat(sync.get("nextAttemptAt")).isInstanceOf(Date.class);
    }

    @Test
    void syncedMoodLooksExactlyLikeTheOriginsDocuments() {
        Mood m = posted(ALICE, 1);
        store.insert(m);
        store.claimDue(new Claim("w", T0.plusSeconds(5), Duration.ofMinutes(1), Optional.empty(), 1));
        RecordKey k = RecordKey.parse("3kabcdefghij2");
        assertThat(store.completeSync(m.id(), m.pending().orElseThrow().token(), "w", Optional.of(k))).isTrue();

        Document d = rawDoc(m.id());
        assertThat(d.keySet()).containsExactly("_id", "user", "mood", "when", "atproto");
        assertThat(d.get("atproto", Document.class)).isEqualTo(new Document("rkey", "3kabcdefghij2"));
    }

    @Test
    void deletedIsWrittenOnlyWhenTrueAndUndeleteRemovesIt() {
        Mood m = posted(ALICE, 1);
        store.insert(m);
        store.change(m.id(), new MoodChange(Optional.empty(), Optional.of(true), PendingSync.start(SyncOp.DELETE, T0)));
        assertThat(rawDoc(m.id()).get("deleted")).isEqualTo(true);

        PendingSync undo = PendingSync.start(SyncOp.UPDATE, T0);
        Mood after = store.change(m.id(), new MoodChange(Optional.empty(), Optional.of(false), undo));
        assertThat(after.deleted()).isFalse();
        assertThat(rawDoc(m.id())).doesNotContainKey("deleted");
        store.completeSync(m.id(), undo.token(), "w", Optional.empty());
        assertThat(rawDoc(m.id()).keySet()).containsExactly("_id", "user", "mood", "when");
    }

    @Test
    void unlinkingLeavesNoEmptyAtprotoDocument() {
        Mood m = synced(ALICE, 1, rkey());
        store.insert(m);
        store.setLink(m.id(), Optional.empty());
        assertThat(rawDoc(m.id()).keySet()).containsExactly("_id", "user", "mood", "when");
    }

    @Test
    void unknownFieldsArePreservedByEveryUpdate() {
        ObjectId oid = new ObjectId();
        MoodId id = MoodId.parse(oid.toHexString());
        raw().insertOne(legacy(oid, ALICE.value(), "hello", WHEN).append("color", "pink")
                .append("atproto", new Document("rkey", LEGACY_TID).append("uri", "at://did:plc:x/c/" + LEGACY_TID)));

        PendingSync p = PendingSync.start(SyncOp.UPDATE, T0);
        store.change(id, new MoodChange(Optional.of("edited"), Optional.of(true), p));
        store.reschedule(id, p.token(), "w", 1, T0.plusSeconds(1), "boom", false);
        store.completeSync(id, p.token(), "w", Optional.of(RecordKey.parse(LEGACY_TID)));
        store.setLink(id, Optional.of(RecordKey.parse("3kabcdefghij3")));

        Document d = rawDoc(id);
        assertThat(d.get("color")).isEqualTo("pink");
        assertThat(d.get("atproto", Document.class).get("uri")).isEqualTo("at://did:plc:x/c/" + LEGACY_TID);
        assertThat(d.get("mood")).isEqualTo("edited");
        assertThat(d).doesNotContainKey("atprotoSync");

        store.setLink(id, Optional.empty());
        assertThat(rawDoc(id).get("atproto", Document.class))
                .isEqualTo(new Document("uri", "at://did:plc:x/c/" + LEGACY_TID));
    }

    // ---- legacy documents ----------------------------------------------------------------------------------------

    @Test
    void legacyShapesAreReadAndMalformedOnesReportedWithoutBreakingTheListing() {
        ObjectId plain = new ObjectId();
        ObjectId deleted = new ObjectId();
        ObjectId linked = new ObjectId();
        ObjectId noWhen = new ObjectId();
        ObjectId noUser = new ObjectId();
        ObjectId numberMood = new ObjectId();
        ObjectId deletedFalse = new ObjectId();
        raw().insertMany(List.of(
                legacy(plain, ALICE.value(), "plain", WHEN),
                legacy(deleted, ALICE.value(), "gone", WHEN).append("deleted", true),
                legacy(linked, ALICE.value(), "linked", WHEN).append("atproto", new Document("rkey", LEGACY_TID)),
                legacy(noWhen, ALICE.value(), "timeless", null),
                legacy(noUser, null, "orphan", WHEN),
                legacy(numberMood, ALICE.value(), 42, WHEN),
                legacy(deletedFalse, ALICE.value(), "kept", WHEN).append("deleted", false)));

        List<Mood> moods = list(store.listByUser(ALICE));
        assertThat(moods).extracting(m -> m.id().value()).containsExactly(plain.toHexString(),
                deleted.toHexString(), linked.toHexString(), noWhen.toHexString(), deletedFalse.toHexString());

        Mood p = moods.get(0);
        assertThat(p).isEqualTo(new Mood(MoodId.parse(plain.toHexString()), ALICE, "plain", WHEN.toInstant(), false,
                Optional.empty(), Optional.empty()));
        assertThat(moods.get(1).deleted()).isTrue();
        assertThat(moods.get(2).rkey()).contains(RecordKey.parse(LEGACY_TID));
        assertThat(store.findByRkey(ALICE, RecordKey.parse(LEGACY_TID))).contains(moods.get(2));
        assertThat(moods.get(3).when()).isEqualTo(Instant.ofEpochSecond(noWhen.getTimestamp()));
        assertThat(moods.get(4).deleted()).isFalse();

        List<MalformedMood> all = list(store.listMalformed(Optional.empty()));
        assertThat(all).extracting(MalformedMood::id)
                .containsExactlyInAnyOrder(noUser.toHexString(), numberMood.toHexString());
        MalformedMood missingUser = all.stream().filter(m -> m.id().equals(noUser.toHexString())).findFirst()
                .orElseThrow();
        assertThat(missingUser.user()).isEmpty();
        assertThat(missingUser.problem()).contains("user").contains("expected a string").contains("nothing");

        List<MalformedMood> alices = list(store.listMalformed(Optional.of(ALICE)));
        assertThat(alices).hasSize(1);
        assertThat(alices.get(0).id()).isEqualTo(numberMood.toHexString());
        assertThat(alices.get(0).user()).contains(ALICE.value());
        assertThat(alices.get(0).problem()).contains("mood").contains("expected a string").contains("42");

        assertThat(list(store.listUsers())).containsExactly(ALICE);
        assertThat(store.find(MoodId.parse(numberMood.toHexString()))).isEmpty();
        // Looked up by id, whatever the user: reconcile must know these ids are moods, not orphans' refs.
        assertThat(store.findMalformed(MoodId.parse(numberMood.toHexString()))).contains(alices.get(0));
        assertThat(store.findMalformed(MoodId.parse(noUser.toHexString()))).contains(missingUser);
        assertThat(store.findMalformed(MoodId.parse(plain.toHexString()))).isEmpty();
    }

    @Test
    void otherMalformedShapesAreReportedWithTheFieldAndWhatWasFound() {
        ObjectId badWhen = new ObjectId();
        ObjectId badRkey = new ObjectId();
        ObjectId badDeleted = new ObjectId();
        ObjectId badSync = new ObjectId();
        raw().insertMany(List.of(
                legacy(badWhen, BOB.value(), "x", null).append("when", "yesterday"),
                legacy(badRkey, BOB.value(), "x", WHEN).append("atproto", new Document("rkey", "no spaces allowed")),
                legacy(badDeleted, BOB.value(), "x", WHEN).append("deleted", "yes"),
                legacy(badSync, BOB.value(), "x", WHEN).append("atprotoSync", new Document("op", "EXPLODE")),
                new Document("_id", "a-string-id").append("user", BOB.value()).append("mood", "x")));
        assertThat(list(store.listByUser(BOB))).isEmpty();
        assertThat(list(store.listMalformed(Optional.of(BOB)))).extracting(MalformedMood::problem)
                .anySatisfy(p -> assertThat(p).startsWith("when:").contains("yesterday"))
                .anySatisfy(p -> assertThat(p).startsWith("atproto.rkey:").contains("no spaces allowed"))
                .anySatisfy(p -> assertThat(p).startsWith("deleted:").contains("yes"))
                .anySatisfy(p -> assertThat(p).startsWith("atprotoSync.op:").contains("EXPLODE"))
                .anySatisfy(p -> assertThat(p).startsWith("_id:").contains("a-string-id"))
                .hasSize(5);
    }

    @Test
    void changingAMalformedDocumentIsAStoreErrorNamingTheProblem() {
        ObjectId oid = new ObjectId();
        raw().insertOne(legacy(oid, ALICE.value(), 42, WHEN));
        MoodId id = MoodId.parse(oid.toHexString());
        assertThatThrownBy(() -> store.change(id, new MoodChange(Optional.empty(), Optional.of(true),
                PendingSync.start(SyncOp.DELETE, T0))))
                .isInstanceOf(StoreException.class)
                .hasMessageContaining("change").hasMessageContaining("mood: expected a string");
        assertThat(rawDoc(id)).doesNotContainKeys("atprotoSync", "deleted");
    }

    @Test
    void malformedDocumentsAreNeitherChangedNorLeased() {
        ObjectId badWhen = new ObjectId();
        ObjectId badDeleted = new ObjectId();
        Document marker = new Document("op", "CREATE").append("token", 1L).append("attempts", 0)
                .append("nextAttemptAt", Date.from(T0));
        raw().insertMany(List.of(legacy(badWhen, ALICE.value(), "x", null).append("when", "yesterday"),
                legacy(badDeleted, ALICE.value(), "x", WHEN).append("deleted", "yes").append("atprotoSync", marker)));
        MoodId whenId = MoodId.parse(badWhen.toHexString());
        MoodId deletedId = MoodId.parse(badDeleted.toHexString());
        assertThatThrownBy(() -> store.setPending(whenId, PendingSync.start(SyncOp.UPDATE, T0)))
                .isInstanceOf(StoreException.class).hasMessageStartingWith("setPending").hasMessageContaining("when:");
        assertThat(rawDoc(whenId)).doesNotContainKey("atprotoSync");
        assertThat(store.tryLease(deletedId, "w", T0, T0.plusSeconds(60))).isEmpty();
        assertThat(rawDoc(deletedId).get("atprotoSync", Document.class)).isEqualTo(marker);
    }

    @Test
    void pendingWorkOnAMalformedDocumentIsParkedNotClaimedForever() {
        ObjectId bad = new ObjectId();
        raw().insertOne(legacy(bad, null, "no user", WHEN).append("atprotoSync", new Document("op", "CREATE")
                .append("token", 1L).append("attempts", 0).append("nextAttemptAt", Date.from(T0))));
        Mood good = posted(ALICE, 5);
        store.insert(good);

        List<Mood> claimed = store.claimDue(new Claim("w", T0.plusSeconds(10), Duration.ofMinutes(1),
                Optional.empty(), 10));
        assertThat(claimed).extracting(Mood::id).containsExactly(good.id());
        Document sync = rawDoc(MoodId.parse(bad.toHexString())).get("atprotoSync", Document.class);
        assertThat(sync.get("failed")).isEqualTo(true);
        assertThat(sync.getString("lastError")).contains("user");
        assertThat(sync).doesNotContainKeys("leaseOwner", "leaseUntil");
    }

    // ---- uniqueness and indexes ----------------------------------------------------------------------------------

    @Test
    void aSecondMoodWithALegacyRkeyIsRefusedWithATypedError() {
        raw().insertOne(legacy(new ObjectId(), ALICE.value(), "old", WHEN)
                .append("atproto", new Document("rkey", LEGACY_TID)));
        Mood second = synced(BOB, 1, RecordKey.parse(LEGACY_TID));
        assertThatThrownBy(() -> store.insert(second)).isInstanceOf(StoreConflictException.class)
                .hasMessageContaining(LEGACY_TID).hasMessageStartingWith("insert");
        Mood third = posted(ALICE, 2);
        store.insert(third);
        assertThatThrownBy(() -> store.setLink(third.id(), Optional.of(RecordKey.parse(LEGACY_TID))))
                .isInstanceOf(StoreConflictException.class).hasMessageStartingWith("setLink");
    }

    @Test
    void indexCreationIsIdempotent() {
        MongoMoodStore again = MongoMoodStore.builder(MONGO.database()).build();
        again.createIndexes();
        MongoMoodStore.builder(MONGO.database()).createIndexes(true).build().createIndexes();

        List<Document> indexes = raw().listIndexes().into(new ArrayList<>());
        assertThat(indexes).extracting(i -> i.get("key", Document.class))
                .containsExactlyInAnyOrder(new Document("_id", 1), new Document("user", 1).append("_id", 1),
                        new Document("atproto.rkey", 1), new Document("atprotoSync.nextAttemptAt", 1));
        Document rkeyIndex = indexes.stream().filter(i -> i.get("key", Document.class).containsKey("atproto.rkey"))
                .findFirst().orElseThrow();
        assertThat(rkeyIndex.get("unique")).isEqualTo(true);
        assertThat(rkeyIndex.get("sparse")).isEqualTo(true);
        assertThat(rkeyIndex).doesNotContainKey("partialFilterExpression");
    }

    @Test
    void withoutIndexCreationNoIndexIsMadeAndACustomCollectionIsUsed() {
        MongoMoodStore custom = MongoMoodStore.builder(MONGO.database()).collection("legacy_moods")
                .createIndexes(false).build();
        Mood m = posted(ALICE, 1);
        custom.insert(m);
        assertThat(custom.find(m.id())).contains(m);
        assertThat(custom.namespace()).endsWith(".legacy_moods");
        assertThat(MONGO.database().getCollection("legacy_moods").listIndexes().into(new ArrayList<>()))
                .extracting(i -> i.get("key", Document.class)).containsExactly(new Document("_id", 1));
    }

    @Test
    void builderRejectsBadCollectionNamesNamingTheProperty() {
        assertThatThrownBy(() -> MongoMoodStore.builder(MONGO.database()).collection("a$b").build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("collection:");
        assertThatThrownBy(() -> MongoMoodStore.builder(MONGO.database()).collection("").build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("collection:");
    }

    // ---- claims across instances ---------------------------------------------------------------------------------

    @Test
    void twoStoreInstancesClaimingAtOnceNeverGetTheSameMood() throws Exception {
        MoodStore first = newStore();
        MoodStore second = newStore();
        Set<MoodId> all = new HashSet<>();
        for (int i = 0; i < 60; i++) {
            Mood m = posted(i % 2 == 0 ? ALICE : BOB, i);
            store.insert(m);
            all.add(m.id());
        }
        Instant now = T0.plusSeconds(100);
        ExecutorService pool = Executors.newFixedThreadPool(2);
        CountDownLatch start = new CountDownLatch(1);
        try {
            List<Future<List<MoodId>>> futures = new ArrayList<>();
            for (MoodStore s : List.of(first, second)) {
                Callable<List<MoodId>> task = () -> {
                    start.await();
                    List<MoodId> mine = new ArrayList<>();
                    List<Mood> got;
                    while (!(got = s.claimDue(new Claim("w" + System.identityHashCode(s), now, Duration.ofMinutes(5),
                            Optional.empty(), 3))).isEmpty()) {
                        got.forEach(m -> mine.add(m.id()));
                    }
                    return mine;
                };
                futures.add(pool.submit(task));
            }
            start.countDown();
            List<MoodId> claimed = new ArrayList<>();
            for (Future<List<MoodId>> f : futures) {
                claimed.addAll(f.get(60, TimeUnit.SECONDS));
            }
            assertThat(claimed).doesNotHaveDuplicates();
            assertThat(new HashSet<>(claimed)).isEqualTo(all);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void anExpiredLeaseOfACrashedWorkerIsReclaimedByAnotherInstance() throws InterruptedException {
        Mood m = posted(ALICE, 0);
        store.insert(m);
        Instant now = T0.plusSeconds(1);
        assertThat(store.claimDue(new Claim("crashed", now, Duration.ofMillis(300), Optional.empty(), 1))).hasSize(1);
        Document taken = rawDoc(m.id()).get("atprotoSync", Document.class);
        // the lease is taken by the server's clock: when ($currentDate) and for how long, no client time
        assertThat(taken.get("leaseAt")).isInstanceOf(Date.class);
        assertThat(taken.get("leaseMillis")).isEqualTo(300L);
        assertThat(taken.containsKey("leaseUntil")).isFalse();
        MoodStore other = newStore();
        // another instance whose clock runs an hour ahead still sees the lease live: the server's clock judges it
        assertThat(other.claimDue(new Claim("alive", now.plusSeconds(3600), Duration.ofSeconds(30),
                Optional.of(ALICE), 1))).isEmpty();
        Thread.sleep(450);
        List<Mood> again = other.claimDue(new Claim("alive", now, Duration.ofSeconds(30), Optional.of(ALICE), 1));
        assertThat(again).extracting(Mood::id).containsExactly(m.id());
        Document sync = rawDoc(m.id()).get("atprotoSync", Document.class);
        assertThat(sync.get("leaseOwner")).isEqualTo("alive");
        assertThat(sync.get("leaseMillis")).isEqualTo(30_000L);
        Instant leaseAt = ((Date) sync.get("leaseAt")).toInstant();
        assertThat(again.get(0).pending().orElseThrow().leaseUntil()).contains(leaseAt.plusSeconds(30));
    }

    @Test
    void aLeaseWrittenByAnEarlierVersionIsStillHonoured() {
        Mood m = posted(ALICE, 0);
        store.insert(m);
        Date later = Date.from(Instant.now().plusSeconds(3600));
        raw().updateOne(new Document("_id", new ObjectId(m.id().toString())), new Document("$set",
                new Document("atprotoSync.leaseOwner", "old").append("atprotoSync.leaseUntil", later)));
        assertThat(store.claimDue(new Claim("new", T0.plusSeconds(10), Duration.ofSeconds(30), Optional.empty(), 1)))
                .isEmpty();
        assertThat(store.find(m.id()).orElseThrow().pending().orElseThrow().leaseUntil()).contains(later.toInstant());
        raw().updateOne(new Document("_id", new ObjectId(m.id().toString())), new Document("$set",
                new Document("atprotoSync.leaseUntil", Date.from(Instant.now().minusSeconds(1)))));
        assertThat(store.claimDue(new Claim("new", T0.plusSeconds(10), Duration.ofSeconds(30), Optional.empty(), 1)))
                .hasSize(1);
    }

    @Test
    void listUsersSkipsUserFieldsThatAreNotValidUserIds() {
        raw().insertMany(List.of(legacy(new ObjectId(), " ", "blank user", WHEN),
                legacy(new ObjectId(), "auth0|z", "ok", WHEN),
                new Document("_id", new ObjectId()).append("user", 7).append("mood", "number user")));
        store.insert(posted(ALICE, 1));
        assertThat(list(store.listUsers())).containsExactly(ALICE, UserId.parse("auth0|z"));
    }

    @Test
    void toStringNamesTheNamespace() {
        assertThat(store.toString()).isEqualTo("MongoMoodStore[" + MONGO.database().getName() + ".moods]");
    }

    @Test
    void aUsersTombstoneAndHoldShareOneDocumentThatGoesWhenBothAreLifted() {
        UserId alice = new UserId("auth0|alice");
        Instant t = Instant.parse("2026-12-02T07:00:00Z");
        MongoCollection<Document> users = MONGO.database().getCollection(MongoMoodStore.DEFAULT_USER_STATES);
        store.holdAccount(alice, "takendown", t);
        store.fenceUser(alice, t.plusSeconds(1));
        assertThat(users.find().into(new ArrayList<>())).containsExactly(new Document("_id", "auth0|alice")
                .append("hold", new Document("status", "takendown").append("since", Date.from(t)))
                .append("erasedSince", Date.from(t.plusSeconds(1))));
        store.releaseAccount(alice);
        assertThat(users.find().into(new ArrayList<>())).containsExactly(new Document("_id", "auth0|alice")
                .append("erasedSince", Date.from(t.plusSeconds(1))));
        store.unfenceUser(alice);
        assertThat(users.countDocuments()).as("no empty document is left").isZero();
        // A value the store did not write still fences (and still holds): a tombstone is never ignored.
        users.insertOne(new Document("_id", "auth0|alice").append("erasedSince", "garbage").append("hold", 1));
        assertThat(store.userState(alice).erased()).isTrue();
        assertThat(store.userState(alice).hold()).isPresent();
    }

    @Test
    void theUserStatesCollectionCannotBeTheMoodsCollection() {
        assertThatThrownBy(() -> MongoMoodStore.builder(MONGO.database()).collection("moods")
                .userStatesCollection("moods").build()).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("userStatesCollection");
    }
}
