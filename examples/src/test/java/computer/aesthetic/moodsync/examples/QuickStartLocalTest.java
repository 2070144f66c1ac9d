package computer.aesthetic.moodsync.examples;

import static org.assertj.core.api.Assertions.assertThat;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import computer.aesthetic.moodsync.SyncResult;
import computer.aesthetic.moodsync.mongo.embedded.EmbeddedMongo;
import org.bson.Document;
import org.junit.jupiter.api.Test;

/** The README's way to try the quick start with the embedded MongoDB and the in-memory PDS. */
class QuickStartLocalTest {
    @Test
    void theQuickStartsWiringSyncsAMoodOnTheEmbeddedMongoAndTheInMemoryPds() {
        try (EmbeddedMongo mongo = EmbeddedMongo.start()) {
            SyncResult result = QuickStartLocal.withMemoryPds(mongo.connectionString(), "feeling sunny");

            assertThat(result.outcome()).isEqualTo(SyncResult.Outcome.SYNCED);
            try (MongoClient client = MongoClients.create(mongo.connectionString())) {
                Document mood = client.getDatabase("aesthetic").getCollection("moods").find().first();
                assertThat(mood).isNotNull();
                assertThat(mood.getString("user")).isEqualTo(QuickStartLocal.USER.value());
                assertThat(mood.get("atproto", Document.class).getString("rkey")).isNotBlank();
            }
        }
    }
}
