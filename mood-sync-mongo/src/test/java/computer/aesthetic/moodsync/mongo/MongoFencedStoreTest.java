package computer.aesthetic.moodsync.mongo;

import static org.assertj.core.api.Assertions.assertThat;

import computer.aesthetic.moodsync.Mood;
import computer.aesthetic.moodsync.MoodId;
import computer.aesthetic.moodsync.UserId;
import computer.aesthetic.moodsync.data.Cid;
import computer.aesthetic.moodsync.data.DagCbor;
import computer.aesthetic.moodsync.mongo.testing.MongoTestExtension;
import computer.aesthetic.moodsync.spi.FencedMoodStoreContract;
import computer.aesthetic.moodsync.spi.MoodStore;
import computer.aesthetic.moodsync.syntax.RecordKey;
import java.util.Date;
import java.util.Map;
import java.util.Optional;
import org.bson.Document;
import org.bson.types.ObjectId;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The fenced completeSync on MongoDB (embedded, or real with MOODSYNC_MONGO_URI), and the atproto.cid field. */
class MongoFencedStoreTest extends FencedMoodStoreContract {
    @RegisterExtension
    static final MongoTestExtension MONGO = new MongoTestExtension();

    @Override
    protected MoodStore newStore() {
        return MongoMoodStore.builder(MONGO.database()).build();
    }

    @Test
    void theCidIsStoredBesideTheRkey() {
        ObjectId oid = new ObjectId();
        MoodId id = MoodId.parse(oid.toHexString());
        store.insert(Mood.posted(id, new UserId("auth0|x"), "hi", T0));
        Cid cid = DagCbor.cidOf(Map.of("n", 7L));
        long token = store.find(id).orElseThrow().pending().orElseThrow().token();
        store.completeSync(id, token, "w", Optional.of(RecordKey.parse("3kabcdefghij2")), Optional.of(cid), T0);
        Document d = MONGO.database().getCollection("moods").find(new Document("_id", oid)).first();
        assertThat(d.get("atproto", Document.class)).isEqualTo(new Document("rkey", "3kabcdefghij2")
                .append("cid", cid.toString()));
        assertThat(d.containsKey("atprotoSync")).isFalse();
    }

    @Test
    void aLegacyNullAtprotoReadsAsUnlinkedAndCanBeLinked() {
        ObjectId oid = new ObjectId();
        MONGO.database().getCollection("moods").insertOne(new Document("_id", oid).append("user", "auth0|legacy")
                .append("mood", "old").append("when", Date.from(T0)).append("atproto", null)
                .append("atprotoSync", new Document("op", "CREATE").append("token", 5L).append("attempts", 0)
                        .append("nextAttemptAt", Date.from(T0))));
        MoodId id = MoodId.parse(oid.toHexString());
        assertThat(store.find(id).orElseThrow().rkey()).isEmpty();
        assertThat(store.completeSync(id, 5L, "w", Optional.of(RecordKey.parse("3kabcdefghij3")), Optional.empty(),
                T0)).isTrue();
        assertThat(store.find(id).orElseThrow().rkey()).contains(RecordKey.parse("3kabcdefghij3"));
        // and with setLink
        ObjectId other = new ObjectId();
        MONGO.database().getCollection("moods").insertOne(new Document("_id", other).append("user", "auth0|legacy")
                .append("mood", "old").append("when", Date.from(T0)).append("atproto", null));
        store.setLink(MoodId.parse(other.toHexString()), Optional.of(RecordKey.parse("3kabcdefghij4")));
        assertThat(store.find(MoodId.parse(other.toHexString())).orElseThrow().rkey())
                .contains(RecordKey.parse("3kabcdefghij4"));
    }

    /**
     * Every update that writes under {@code atproto.*} on a legacy {@code atproto: null}. A real MongoDB refuses
     * {@code $set: {"atproto.rkey": ...}} there ("Cannot create field 'rkey' in element {atproto: null}") and the
     * store then replaces the null and retries; mongo-java-server 1.47 does not reproduce that failure (it creates
     * the sub-document), so on the embedded server this test checks the resulting document shape of each path:
     * a sub-document {@code {rkey, cid?}}, no null left, no marker. With {@code MOODSYNC_MONGO_URI} it runs against
     * the real failure.
     */
    @Test
    void everyLinkingUpdateOnALegacyNullAtprotoLeavesAProperSubDocument() {
        var raw = MONGO.database().getCollection("moods");
        java.util.function.Supplier<ObjectId> legacy = () -> {
            ObjectId oid = new ObjectId();
            raw.insertOne(new Document("_id", oid).append("user", "auth0|legacy").append("mood", "old")
                    .append("when", Date.from(T0)).append("atproto", null)
                    .append("atprotoSync", new Document("op", "CREATE").append("token", 5L).append("attempts", 0)
                            .append("nextAttemptAt", Date.from(T0))));
            return oid;
        };
        Cid cid = DagCbor.cidOf(Map.of("n", 9L));
        ObjectId fenced = legacy.get();
        ObjectId unfenced = legacy.get();
        ObjectId linked = legacy.get();
        ObjectId bulkLinked = legacy.get();
        ObjectId batch1 = legacy.get();
        ObjectId batch2 = legacy.get();
        RecordKey k1 = RecordKey.parse("3kabcdefghin2");
        assertThat(store.completeSync(MoodId.parse(fenced.toHexString()), 5L, "w", Optional.of(k1),
                Optional.of(cid), T0)).isTrue();
        RecordKey k2 = RecordKey.parse("3kabcdefghin3");
        assertThat(store.completeSync(MoodId.parse(unfenced.toHexString()), 5L, "w", Optional.of(k2))).isTrue();
        RecordKey k3 = RecordKey.parse("3kabcdefghin4");
        store.setLink(MoodId.parse(linked.toHexString()), Optional.of(k3));
        RecordKey k4 = RecordKey.parse("3kabcdefghin5");
        assertThat(store.setLinks(Map.of(MoodId.parse(bulkLinked.toHexString()), k4))).isEmpty();
        RecordKey k5 = RecordKey.parse("3kabcdefghin6");
        RecordKey k6 = RecordKey.parse("3kabcdefghin7");
        var r = store.completeSyncAll(java.util.List.of(
                new computer.aesthetic.moodsync.spi.Completion(MoodId.parse(batch1.toHexString()), 5L,
                        Optional.of(k5), Optional.of(cid)),
                new computer.aesthetic.moodsync.spi.Completion(MoodId.parse(batch2.toHexString()), 5L,
                        Optional.of(k6), Optional.of(cid))), "w", T0);
        assertThat(r.failed()).isEmpty();
        assertThat(raw.find(new Document("_id", fenced)).first().get("atproto"))
                .isEqualTo(new Document("rkey", k1.value()).append("cid", cid.toString()));
        assertThat(raw.find(new Document("_id", unfenced)).first().get("atproto"))
                .isEqualTo(new Document("rkey", k2.value()));
        assertThat(raw.find(new Document("_id", linked)).first().get("atproto"))
                .isEqualTo(new Document("rkey", k3.value()));
        assertThat(raw.find(new Document("_id", bulkLinked)).first().get("atproto"))
                .isEqualTo(new Document("rkey", k4.value()));
        for (var e : Map.of(batch1, k5, batch2, k6).entrySet()) {
            Document d = raw.find(new Document("_id", e.getKey())).first();
            // a batch member recorded by the bulk write, or put back by the one-by-one fallback: linked either way
            assertThat(d.get("atproto", Document.class).get("rkey")).isEqualTo(e.getValue().value());
            assertThat(r.done().contains(MoodId.parse(e.getKey().toHexString()))).isEqualTo(!d.containsKey(
                    "atprotoSync"));
        }
        for (ObjectId oid : java.util.List.of(fenced, unfenced)) {
            assertThat(raw.find(new Document("_id", oid)).first().containsKey("atprotoSync")).isFalse();
        }
    }
}
