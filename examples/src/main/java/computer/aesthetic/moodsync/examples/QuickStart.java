package computer.aesthetic.moodsync.examples;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.MongoDatabase;
import computer.aesthetic.moodsync.MoodSyncService;
import computer.aesthetic.moodsync.SyncResult;
import computer.aesthetic.moodsync.UserId;
import computer.aesthetic.moodsync.mongo.MongoAccountDirectory;
import computer.aesthetic.moodsync.mongo.MongoMoodStore;
import computer.aesthetic.moodsync.pds.PdsAtprotoRepo;

/**
 * The README's quick start, compiled with the build so it cannot rot. A test checks that README.md quotes the
 * lines between the markers exactly.
 */
public final class QuickStart {
    private QuickStart() {
    }

    /**
     * Posts one mood.
     *
     * @param mongoClient the host's MongoDB client
     * @param pdsUrl the PDS that hosts the users' repositories
     * @return what happened on the PDS side
     */
    static SyncResult postOneMood(MongoClient mongoClient, String pdsUrl) {
        // README-BEGIN
        MongoDatabase db = mongoClient.getDatabase("aesthetic");
        MongoAccountDirectory accounts = MongoAccountDirectory.builder(db).build();
        try (MoodSyncService moods = MoodSyncService.builder()
                .store(MongoMoodStore.builder(db).build())
                .accounts(accounts)
                .repo(PdsAtprotoRepo.builder().defaultPds(pdsUrl).accounts(accounts).build())
                .build()) {
            SyncResult result = moods.post(new UserId("auth0|63a1c0ffee"), "feeling sunny");
            return result; // SYNCED, PENDING (the worker retries it) or NO_ACCOUNT
        }
        // README-END
    }

    /**
     * Runs the quick start against a MongoDB URI and a PDS URL.
     *
     * @param args the MongoDB connection string and the PDS URL
     */
    public static void main(String[] args) {
        if (args.length != 2) {
            System.err.println("usage: QuickStart MONGODB_URI PDS_URL");
            System.exit(2);
        }
        try (MongoClient client = MongoClients.create(args[0])) {
            System.out.println(postOneMood(client, args[1]));
        }
    }
}
