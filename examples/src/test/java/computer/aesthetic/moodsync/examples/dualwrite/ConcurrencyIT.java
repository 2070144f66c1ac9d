package computer.aesthetic.moodsync.examples.dualwrite;

import static org.assertj.core.api.Assertions.assertThat;

import com.mongodb.client.MongoDatabase;
import computer.aesthetic.moodsync.Mood;
import computer.aesthetic.moodsync.MoodId;
import computer.aesthetic.moodsync.MoodSyncService;
import computer.aesthetic.moodsync.SyncMode;
import computer.aesthetic.moodsync.SyncResult;
import computer.aesthetic.moodsync.SyncState;
import computer.aesthetic.moodsync.UserId;
import computer.aesthetic.moodsync.examples.dualwrite.RealStack.TestUser;
import computer.aesthetic.moodsync.mongo.MongoAccountDirectory;
import computer.aesthetic.moodsync.mongo.MongoMoodStore;
import computer.aesthetic.moodsync.mongo.testing.MongoTestExtension;
import computer.aesthetic.moodsync.pds.PdsAtprotoRepo;
import computer.aesthetic.moodsync.pds.testing.ReferencePds;
import computer.aesthetic.moodsync.pds.testing.ReferencePdsExtension;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.bson.Document;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The concurrency scenario of core's {@code ConcurrencyTest} on the real stack, with fewer moods: 8 threads post,
 * delete, undelete and edit for the reference PDS's users (and one user without an account) through two app
 * instances (one inline, one queued, each with its own PDS client and worker) on one MongoDB. Afterwards every
 * user's repository holds exactly the live moods, each once, each linked, with the current text.
 */
@ExtendWith(ReferencePdsExtension.class)
class ConcurrencyIT {
    @RegisterExtension
    static final MongoTestExtension MONGO = new MongoTestExtension();

    @Test
    @Timeout(value = 4, unit = TimeUnit.MINUTES)
    void eightPostersTwoInstancesAndDeletesEndWithExactlyTheLiveMoodsOnThePds(ReferencePds pds) throws Exception {
        MongoDatabase db = MONGO.database();
        List<TestUser> users = RealStack.seedUsers(db, pds, pds.accounts().size());
        UserId noAccount = new UserId("auth0|no-atproto-yet");
        db.getCollection(MongoAccountDirectory.DEFAULT_USERS).insertOne(new Document("_id", noAccount.value()));
        List<UserId> everyone = new ArrayList<>(users.stream().map(TestUser::user).toList());
        everyone.add(noAccount);

        MongoMoodStore store = MongoMoodStore.builder(db).build();
        MongoAccountDirectory accounts = MongoAccountDirectory.builder(db).build();
        PdsAtprotoRepo check = RealStack.repo(pds.url(), accounts).build();
        for (TestUser u : users) {
            RealStack.wipe(check, u.did());
        }
        RecordingListener events = new RecordingListener();
        MoodSyncService inline = instance("a", SyncMode.INLINE, store, accounts, pds, events);
        MoodSyncService queued = instance("b", SyncMode.QUEUED, store, accounts, pds, events);
        ExecutorService posters = Executors.newFixedThreadPool(8);
        List<MoodId> all = new ArrayList<>();
        try {
            List<Future<List<MoodId>>> done = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                int thread = t;
                done.add(posters.submit(() -> {
                    SplittableRandom random = new SplittableRandom(thread);
                    List<MoodId> mine = new ArrayList<>();
                    for (int i = 0; i < 25; i++) {
                        MoodSyncService via = random.nextBoolean() ? inline : queued;
                        UserId user = everyone.get(random.nextInt(everyone.size()));
                        SyncResult posted = via.post(user, "t" + thread + " m" + i);
                        mine.add(posted.moodId());
                        if (random.nextInt(4) == 0) { // delete one of ours, sometimes right after posting it
                            via.delete(mine.get(random.nextInt(mine.size())));
                        }
                        if (random.nextInt(10) == 0) {
                            via.undelete(mine.get(random.nextInt(mine.size())));
                        }
                        if (random.nextInt(10) == 0) {
                            via.edit(mine.get(random.nextInt(mine.size())), "t" + thread + " edited " + i);
                        }
                    }
                    return mine;
                }));
            }
            for (Future<List<MoodId>> f : done) {
                all.addAll(f.get(120, TimeUnit.SECONDS));
            }
            // both workers finish what is due (inline writes release their leases on completion)
            RealStack.drain(store, () -> 0, Duration.ofSeconds(90));
        } finally {
            posters.shutdownNow();
            inline.close();
            queued.close();
        }

        assertThat(all).hasSize(200);
        RealStack.assertAllStored(store, all, List.of());
        int live = 0;
        for (TestUser u : users) {
            live += RealStack.assertExactlyOnce(store, check, u);
        }
        for (Mood m : RealStack.moodsOf(store, noAccount)) {
            assertThat(m.pending()).as("no work kept for a user without an account").isEmpty();
            assertThat(m.syncState()).isIn(SyncState.UNSYNCED, SyncState.DELETED);
        }
        assertThat(events.parked()).isZero();
        System.out.println("concurrency: " + live + " live moods on the PDS; " + events);
    }

    private static MoodSyncService instance(String id, SyncMode mode, MongoMoodStore store,
            MongoAccountDirectory accounts, ReferencePds pds, RecordingListener events) {
        return MoodSyncService.builder().store(store).repo(RealStack.repo(pds.url(), accounts).build())
                .accounts(accounts).listener(events).instanceId(id).mode(mode)
                .pollInterval(Duration.ofMillis(100)).lease(Duration.ofSeconds(30)).batchSize(50)
                .backoff(Duration.ofMillis(100), Duration.ofSeconds(1)).build();
    }
}
