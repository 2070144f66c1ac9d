package computer.aesthetic.moodsync.mongo.testing;

import static org.assertj.core.api.Assertions.assertThat;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoDatabase;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.bson.Document;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Each test gets its own empty database, from one client per class. */
class MongoTestExtensionTest {
    @RegisterExtension
    static final MongoTestExtension MONGO = new MongoTestExtension();

    private static final Set<String> SEEN = ConcurrentHashMap.newKeySet();

    @RepeatedTest(3)
    void eachTestGetsAFreshDatabase(MongoDatabase injected, MongoClient client) {
        MongoDatabase db = MONGO.database();
        assertThat(injected.getName()).isEqualTo(db.getName()).startsWith("moodsync_test_");
        assertThat(SEEN.add(db.getName())).as("database name reused").isTrue();
        assertThat(db.getCollection("moods").countDocuments()).isZero();
        db.getCollection("moods").insertOne(new Document("x", 1));
        assertThat(client).isSameAs(MONGO.client());
        assertThat(MONGO.isEmbedded()).isEqualTo(MongoTestExtension.configuredUri().isEmpty());
    }
}
