package computer.aesthetic.moodsync.examples.ingest;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.MongoDatabase;
import computer.aesthetic.moodsync.MoodSyncService;
import computer.aesthetic.moodsync.SyncMode;
import computer.aesthetic.moodsync.ingest.Follower;
import computer.aesthetic.moodsync.ingest.IngestListener;
import computer.aesthetic.moodsync.mongo.MongoAccountDirectory;
import computer.aesthetic.moodsync.mongo.MongoIngestStateStore;
import computer.aesthetic.moodsync.mongo.MongoMoodStore;
import computer.aesthetic.moodsync.pds.PdsAtprotoRepo;
import computer.aesthetic.moodsync.pds.sync.FirehoseEventSource;
import computer.aesthetic.moodsync.pds.sync.RepoKeys;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import okhttp3.HttpUrl;
import okhttp3.OkHttpClient;

/**
 * The child JVM of {@link FollowKillDashNineIT}: an app instance that follows the reference PDS into MongoDB and
 * prints one line per ingest change ({@code CHANGE kind rkey seq}), and {@code ACTIVE} once it holds the lease,
 * until the parent kills it with SIGKILL.
 *
 * <p>Arguments: {@code mongoUri dbName pdsUrl plcUrl leaseMillis}.
 */
public final class FollowerChild {
    private FollowerChild() {
    }

    public static void main(String[] args) throws Exception {
        PrintStream out = new PrintStream(new FileOutputStream(FileDescriptor.out), true, StandardCharsets.UTF_8);
        OkHttpClient http = new OkHttpClient.Builder().callTimeout(Duration.ofSeconds(30)).build();
        try (MongoClient client = MongoClients.create(args[0])) {
            MongoDatabase db = client.getDatabase(args[1]);
            MongoMoodStore store = MongoMoodStore.builder(db).build();
            MongoAccountDirectory accounts = MongoAccountDirectory.builder(db).build();
            PdsAtprotoRepo repo = PdsAtprotoRepo.builder().accounts(accounts).defaultPds(args[2])
                    .backoff(Duration.ofMillis(50), Duration.ofMillis(500)).build();
            IngestListener print = new IngestListener() {
                @Override
                public void changed(computer.aesthetic.moodsync.ingest.IngestChange c) {
                    out.println("CHANGE " + c.kind() + " " + c.rkey().map(Object::toString).orElse("-") + " "
                            + c.seq());
                }
            };
            try (MoodSyncService service = MoodSyncService.builder().store(store).repo(repo).accounts(accounts)
                    .mode(SyncMode.INLINE).startWorker(false).instanceId("child").build();
                    FirehoseEventSource source = FirehoseEventSource.builder().pds(HttpUrl.get(args[2]))
                            .httpClient(http).backoff(Duration.ofMillis(200), Duration.ofSeconds(2)).build();
                    Follower follower = service.follower().state(MongoIngestStateStore.builder(db).build())
                            .source(FollowStack.SOURCE, source).listener(print)
                            .authenticator(new RepoKeys(http, args[3]).authenticator())
                            .leaseTime(Duration.ofMillis(Long.parseLong(args[4]))).build()) {
                follower.start();
                while (!follower.isActive()) {
                    Thread.sleep(20);
                }
                out.println("ACTIVE");
                Thread.sleep(Long.MAX_VALUE);
            }
        }
    }
}
