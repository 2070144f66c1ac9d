package computer.aesthetic.moodsync.examples;

// README-BEGIN
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.MongoDatabase;
import computer.aesthetic.moodsync.MoodSyncService;
import computer.aesthetic.moodsync.SyncResult;
import computer.aesthetic.moodsync.UserId;
import computer.aesthetic.moodsync.mongo.MongoAccountDirectory;
import computer.aesthetic.moodsync.mongo.MongoMoodStore;
import computer.aesthetic.moodsync.pds.PdsAtprotoRepo;

public final class QuickStart {
    /** Posts one mood: {@code QuickStart MONGODB_URI PDS_URL USER_ID [TEXT]}. */
    public static void main(String[] args) {
        String mongoUri = args[0];          // e.g. mongodb://localhost:27017
        String pdsUrl = args[1];            // e.g. https://pds.example.com
        UserId user = new UserId(args[2]);  // the _id of the user's document in `users`, e.g. auth0|63a1c0ffee
        String text = args.length > 3 ? args[3] : "feeling sunny";
        try (MongoClient mongo = MongoClients.create(mongoUri)) {
            MongoDatabase db = mongo.getDatabase("aesthetic");
            // users: {_id: "auth0|63a1c0ffee", atproto: {did, handle, password}}: where credentials come from
            MongoAccountDirectory accounts = MongoAccountDirectory.builder(db).build();
            try (MoodSyncService moods = MoodSyncService.builder()
                    .store(MongoMoodStore.builder(db).build())   // moods: {_id, user, mood, when, atproto: {rkey}}
                    .accounts(accounts)
                    .repo(PdsAtprotoRepo.builder().defaultPds(pdsUrl).accounts(accounts).build())
                    .build()) {
                SyncResult result = moods.post(user, text);
                System.out.println(result.outcome() + " " + result.reason().map(Enum::name).orElse(""));
                // SYNCED, PENDING and why (the worker retries it), or NO_ACCOUNT
            }
        }
    }
}
// README-END
