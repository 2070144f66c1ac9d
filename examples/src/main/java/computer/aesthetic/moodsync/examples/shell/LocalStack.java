package computer.aesthetic.moodsync.examples.shell;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.MongoDatabase;
import computer.aesthetic.moodsync.mongo.embedded.EmbeddedMongo;
import computer.aesthetic.moodsync.pds.testing.ReferencePds;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import org.bson.Document;
import org.bson.types.ObjectId;

/**
 * A local stack to try the JShell scripts on: an embedded MongoDB and the reference PDS with three accounts, each a
 * user in {@code users} ({@code _id} {@code auth0|alice} ...) with a handle in {@code @handles} and a few moods the
 * app stored before mood-sync (never mirrored). Prints the settings to export in another terminal, and runs until
 * Enter or Ctrl-C.
 *
 * <pre>
 *   examples/jshell/local-stack.sh
 * </pre>
 */
public final class LocalStack {
    private LocalStack() {
    }

    /**
     * Starts the stack.
     *
     * @param args none
     * @throws IOException if standard input fails
     */
    public static void main(String[] args) throws IOException {
        System.out.println("starting an embedded MongoDB and the reference PDS (the first run installs it: minutes)...");
        try (EmbeddedMongo mongo = EmbeddedMongo.start();
                ReferencePds pds = ReferencePds.start(new ReferencePds.Options(false, 3));
                MongoClient client = MongoClients.create(mongo.connectionString())) {
            MongoDatabase db = client.getDatabase(Ops.DEFAULT_DB);
            Instant base = Instant.parse("2025-03-01T09:00:00Z");
            for (ReferencePds.Account a : pds.accounts()) {
                String name = a.handle().replaceAll("\\..*$", "");
                String user = "auth0|" + name;
                db.getCollection("users").insertOne(new Document("_id", user).append("atproto",
                        new Document("did", a.did()).append("handle", a.handle()).append("password", a.password())));
                db.getCollection("@handles").insertOne(new Document("_id", user).append("handle", name));
                for (int i = 0; i < 5; i++) {
                    Instant when = base.plus(Duration.ofHours(3L * i));
                    db.getCollection("moods").insertOne(new Document("_id", new ObjectId(Date.from(when)))
                            .append("user", user).append("mood", name + "'s mood #" + i).append("when", Date.from(when)));
                }
            }
            System.out.println("ready: users alice, bob and carol, 5 moods each, none on the PDS yet. In another terminal:");
            System.out.println();
            System.out.println("export " + Ops.MONGO_URI + "=" + mongo.connectionString());
            System.out.println("export " + Ops.MONGO_DB + "=" + Ops.DEFAULT_DB);
            System.out.println("export " + Ops.PDS_URL + "=" + pds.url());
            System.out.println("export " + Ops.HANDLE + "=alice");
            System.out.println("export " + Ops.ADMIN_PASSWORD + "=" + pds.adminPassword() + "   # for erase.jsh only");
            System.out.println("examples/jshell/moodsync-jshell.sh examples/jshell/check-sync.jsh");
            System.out.println();
            System.out.println("press Enter (or Ctrl-C) to stop the stack; everything is in memory and goes with it");
            System.in.read();
        }
    }
}
