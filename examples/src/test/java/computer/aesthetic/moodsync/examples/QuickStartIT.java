package computer.aesthetic.moodsync.examples;

import static org.assertj.core.api.Assertions.assertThat;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import computer.aesthetic.moodsync.mongo.embedded.EmbeddedMongo;
import computer.aesthetic.moodsync.pds.testing.ReferencePds;
import computer.aesthetic.moodsync.pds.testing.ReferencePdsExtension;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.UUID;
import org.bson.Document;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The README's quick start, unchanged, against the embedded MongoDB and the reference PDS. */
@ExtendWith(ReferencePdsExtension.class)
class QuickStartIT {
    @Test
    void theQuickStartAsPrintedSyncsAMoodToTheReferencePds(ReferencePds pds) {
        String text = "quick start " + UUID.randomUUID();
        PrintStream stdout = System.out;
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        try (EmbeddedMongo mongo = EmbeddedMongo.start()) {
            System.setOut(new PrintStream(printed, true, StandardCharsets.UTF_8));
            try {
                QuickStartLocal.withReferencePds(mongo.connectionString(), pds, text);
            } finally {
                System.setOut(stdout);
            }
            assertThat(printed.toString(StandardCharsets.UTF_8)).contains("SYNCED");
            try (MongoClient client = MongoClients.create(mongo.connectionString())) {
                Document mood = client.getDatabase("aesthetic").getCollection("moods")
                        .find(new Document("mood", text)).first();
                assertThat(mood).isNotNull();
                assertThat(mood.get("atproto", Document.class).getString("rkey")).isNotBlank();
            }
        }
    }
}
