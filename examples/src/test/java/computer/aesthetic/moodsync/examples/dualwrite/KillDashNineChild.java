package computer.aesthetic.moodsync.examples.dualwrite;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.MongoDatabase;
import computer.aesthetic.moodsync.Mood;
import computer.aesthetic.moodsync.MoodId;
import computer.aesthetic.moodsync.MoodSyncService;
import computer.aesthetic.moodsync.SyncListener;
import computer.aesthetic.moodsync.SyncMode;
import computer.aesthetic.moodsync.SyncOp;
import computer.aesthetic.moodsync.UserId;
import computer.aesthetic.moodsync.mongo.MongoAccountDirectory;
import computer.aesthetic.moodsync.mongo.MongoMoodStore;
import computer.aesthetic.moodsync.pds.PdsAtprotoRepo;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * The child JVM of {@link KillDashNineIT}: an app instance that posts moods in {@code QUEUED} mode, deletes some, then
 * drives the worker, reporting on stdout one line per event, until the parent kills it with SIGKILL.
 *
 * <p>Arguments: {@code mongoUri dbName pdsUrl phase perUser batchSize leaseMillis user...}, where {@code phase} is
 * {@code post-only} (post, then wait to be killed) or {@code sync} (post, then sync). Lines:
 * {@code POSTED id user}, {@code DELETED id}, {@code POSTED-ALL}, {@code SYNCED id op deleted textHash},
 * {@code DRAINED}.
 */
public final class KillDashNineChild {
    private KillDashNineChild() {
    }

    public static void main(String[] args) throws Exception {
        String mongoUri = args[0];
        String dbName = args[1];
        String pdsUrl = args[2];
        String phase = args[3];
        int perUser = Integer.parseInt(args[4]);
        int batchSize = Integer.parseInt(args[5]);
        long leaseMillis = Long.parseLong(args[6]);
        List<UserId> users = new ArrayList<>();
        for (int i = 7; i < args.length; i++) {
            users.add(new UserId(args[i]));
        }
        PrintStream out = new PrintStream(new java.io.FileOutputStream(java.io.FileDescriptor.out), true,
                StandardCharsets.UTF_8);
        Queue<MoodId> synced = new ConcurrentLinkedQueue<>();
        SyncListener listener = new SyncListener() {
            @Override
            public void synced(Mood mood, SyncOp op, boolean inline, Duration elapsed) {
                if (op != SyncOp.DELETE) {
                    synced.add(mood.id());
                }
                // the state it wrote: deleted flag and a hash of the text (the SIGSTOP variant checks it is current)
                out.println("SYNCED " + mood.id() + " " + op + " " + mood.deleted() + " "
                        + Integer.toHexString(mood.text().hashCode()));
            }
        };
        try (MongoClient client = MongoClients.create(mongoUri)) {
            MongoDatabase db = client.getDatabase(dbName);
            MongoMoodStore store = MongoMoodStore.builder(db).build();
            MongoAccountDirectory accounts = MongoAccountDirectory.builder(db).build();
            PdsAtprotoRepo repo = RealStack.repo(pdsUrl, accounts).build();
            try (MoodSyncService service = MoodSyncService.builder().store(store).repo(repo).accounts(accounts)
                    .listener(listener).mode(SyncMode.QUEUED).startWorker(false).batchSize(batchSize)
                    .inlineTimeout(Duration.ofSeconds(1)).lease(Duration.ofMillis(leaseMillis))
                    .instanceId("child").build()) {
                int n = 0;
                for (int i = 0; i < perUser; i++) {
                    for (UserId user : users) {
                        MoodId id = service.post(user, "mood " + i + " of " + user.value() + " \u2728").moodId();
                        out.println("POSTED " + id + " " + user.value());
                        if (++n % 10 == 0) { // a delete racing its pending create
                            service.delete(id);
                            out.println("DELETED " + id);
                        }
                    }
                }
                out.println("POSTED-ALL");
                if (phase.equals("post-only")) {
                    Thread.sleep(Long.MAX_VALUE);
                }
                int batches = 0;
                while (service.worker().runOnce() > 0) {
                    if (++batches == 2) { // deletes of moods already on the PDS
                        for (int i = 0; i < 10 && !synced.isEmpty(); i++) {
                            MoodId id = synced.poll();
                            service.delete(id);
                            out.println("DELETED " + id);
                        }
                    }
                }
                out.println("DRAINED");
                Thread.sleep(Long.MAX_VALUE);
            }
        }
    }
}
