package computer.aesthetic.moodsync.mongo.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.mongodb.ConnectionString;
import com.mongodb.MongoClientSettings;
import com.mongodb.MongoException;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import java.util.concurrent.TimeUnit;
import org.bson.Document;
import org.junit.jupiter.api.Test;

/** {@link EmbeddedMongo} starts on loopback, serves a client, and is gone once closed. */
class EmbeddedMongoTest {
    @Test
    void servesOnLoopbackAndStopsWhenClosed() {
        String uri;
        try (EmbeddedMongo mongo = EmbeddedMongo.start()) {
            uri = mongo.connectionString();
            assertThat(uri).matches("mongodb://127\\.0\\.0\\.1:\\d+");
            assertThat(mongo.address().getAddress().isLoopbackAddress()).isTrue();
            assertThat(mongo.address().getPort()).isPositive();
            try (MongoClient client = MongoClients.create(uri)) {
                client.getDatabase("t").getCollection("c").insertOne(new Document("x", 1));
                assertThat(client.getDatabase("t").getCollection("c").countDocuments()).isEqualTo(1);
            }
        }
        try (MongoClient client = MongoClients.create(MongoClientSettings.builder()
                .applyConnectionString(new ConnectionString(uri))
                .applyToClusterSettings(b -> b.serverSelectionTimeout(200, TimeUnit.MILLISECONDS)).build())) {
            assertThatThrownBy(() -> client.getDatabase("t").runCommand(new Document("ping", 1)))
                    .isInstanceOf(MongoException.class);
        }
    }

    @Test
    void twoServersGetTwoPorts() {
        try (EmbeddedMongo a = EmbeddedMongo.start(); EmbeddedMongo b = EmbeddedMongo.start()) {
            assertThat(a.address().getPort()).isNotEqualTo(b.address().getPort());
            assertThat(a.toString()).contains(a.connectionString());
        }
    }

    @Test
    void leavesNoServerThreadsBehind() throws InterruptedException {
        try (EmbeddedMongo mongo = EmbeddedMongo.start(); MongoClient client = MongoClients.create(
                mongo.connectionString())) {
            client.getDatabase("t").runCommand(new Document("ping", 1));
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (liveServerThreads() > 0 && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertThat(liveServerThreads()).as("non-daemon mongo-server threads still alive").isZero();
    }

    private static long liveServerThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.isAlive() && !t.isDaemon() && t.getName().startsWith("mongo-server"))
                .count();
    }
}
