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
}
