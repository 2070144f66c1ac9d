package computer.aesthetic.moodsync.mongo.testing;

import static org.assertj.core.api.Assertions.assertThat;

import com.mongodb.client.MongoDatabase;
import org.bson.Document;
import org.junit.jupiter.api.Test;

/** {@link MongoTest @MongoTest} injects a fresh database per test. */
@MongoTest
class MongoTestAnnotationTest {
    @Test
    void injectsAnEmptyDatabase(MongoDatabase db) {
        assertThat(db.getName()).startsWith("moodsync_test_");
        assertThat(db.listCollectionNames().into(new java.util.ArrayList<>())).isEmpty();
        db.getCollection("c").insertOne(new Document("ok", true));
        assertThat(db.getCollection("c").countDocuments()).isEqualTo(1);
    }

    @Test
    void injectsAnotherEmptyDatabase(MongoDatabase db) {
        injectsAnEmptyDatabase(db);
    }
}
