package computer.aesthetic.moodsync.examples;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.MongoDatabase;
import computer.aesthetic.moodsync.MoodSyncService;
import computer.aesthetic.moodsync.SyncResult;
import computer.aesthetic.moodsync.UserId;
import computer.aesthetic.moodsync.mongo.MongoAccountDirectory;
import computer.aesthetic.moodsync.mongo.MongoMoodStore;
import computer.aesthetic.moodsync.mongo.embedded.EmbeddedMongo;
import computer.aesthetic.moodsync.pds.testing.ReferencePds;
import computer.aesthetic.moodsync.testing.InMemoryAtprotoRepo;
import org.bson.Document;

/**
 * Runs the README's {@link QuickStart} on a local stack, with nothing to set up but Java (and Node.js 20 for the
 * reference PDS): an {@link EmbeddedMongo} and either the reference PDS ({@link ReferencePds}, from
 * {@code testing/pds}, or {@code -Dmoodsync.pds.dir=DIR}) or the in-memory PDS ({@link InMemoryAtprotoRepo}).
 *
 * <pre>
 *   java -cp "examples/target/classes:$(cat examples/target/classpath.txt)" \
 *       computer.aesthetic.moodsync.examples.QuickStartLocal [reference|memory]
 * </pre>
 *
 * <p>It writes the user's document first, as the host app has it: {@code users} {@code {_id: "auth0|63a1c0ffee",
 * atproto: {did, handle, password}}}; the {@code _id} is the {@link UserId} string.
 */
public final class QuickStartLocal {
    /** The user the quick start posts for. */
    public static final UserId USER = new UserId("auth0|63a1c0ffee");

    private QuickStartLocal() {
    }

    /**
     * Runs the quick start.
     *
     * @param args {@code reference} (default) or {@code memory}
     */
    public static void main(String[] args) {
        String pds = args.length > 0 ? args[0] : "reference";
        if (!pds.equals("reference") && !pds.equals("memory")) {
            System.err.println("usage: QuickStartLocal [reference|memory]");
            System.exit(2);
        }
        try (EmbeddedMongo mongo = EmbeddedMongo.start()) {
            if (pds.equals("memory")) {
                System.out.println(withMemoryPds(mongo.connectionString(), "feeling sunny"));
            } else {
                try (ReferencePds reference = ReferencePds.start(new ReferencePds.Options(false, 1))) {
                    withReferencePds(mongo.connectionString(), reference, "feeling sunny");
                }
            }
        }
    }

    /**
     * Runs {@link QuickStart#main} unchanged against the reference PDS, after writing the user's document.
     *
     * @param mongoUri the MongoDB to use (database {@code aesthetic})
     * @param pds a running reference PDS; its first account is the user's
     * @param text the mood to post
     */
    static void withReferencePds(String mongoUri, ReferencePds pds, String text) {
        ReferencePds.Account account = pds.account(0);
        addUser(mongoUri, account.did(), account.handle(), account.password());
        QuickStart.main(new String[] {mongoUri, pds.url(), USER.value(), text});
    }

    /**
     * The quick start's wiring with the in-memory PDS in place of {@code PdsAtprotoRepo}: the one line that
     * changes.
     *
     * @param mongoUri the MongoDB to use (database {@code aesthetic})
     * @param text the mood to post
     * @return the result of the post
     */
    static SyncResult withMemoryPds(String mongoUri, String text) {
        addUser(mongoUri, "did:plc:quickstartquickstart1", "quickstart.test", "unused-by-the-fake");
        try (MongoClient mongo = MongoClients.create(mongoUri)) {
            MongoDatabase db = mongo.getDatabase("aesthetic");
            MongoAccountDirectory accounts = MongoAccountDirectory.builder(db).build();
            try (MoodSyncService moods = MoodSyncService.builder()
                    .store(MongoMoodStore.builder(db).build())
                    .accounts(accounts)
                    .repo(InMemoryAtprotoRepo.create())
                    .build()) {
                return moods.post(USER, text);
            }
        }
    }

    private static void addUser(String mongoUri, String did, String handle, String password) {
        try (MongoClient mongo = MongoClients.create(mongoUri)) {
            mongo.getDatabase("aesthetic").getCollection("users").insertOne(new Document("_id", USER.value())
                    .append("atproto", new Document("did", did).append("handle", handle).append("password", password)));
        }
    }
}
