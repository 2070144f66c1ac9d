package computer.aesthetic.moodsync.examples.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import computer.aesthetic.moodsync.Mood;
import computer.aesthetic.moodsync.MoodId;
import computer.aesthetic.moodsync.UserId;
import computer.aesthetic.moodsync.examples.ingest.FollowStack.Changes;
import computer.aesthetic.moodsync.examples.ingest.FollowStack.OtherClient;
import computer.aesthetic.moodsync.ingest.Follower;
import computer.aesthetic.moodsync.ingest.IngestChange;
import computer.aesthetic.moodsync.ingest.IngestChange.Kind;
import computer.aesthetic.moodsync.mongo.testing.MongoTestExtension;
import computer.aesthetic.moodsync.pds.PdsAdmin;
import computer.aesthetic.moodsync.pds.sync.FirehoseEventSource;
import computer.aesthetic.moodsync.pds.testing.PrivateReferencePdsExtension;
import computer.aesthetic.moodsync.pds.testing.ReferencePds;
import computer.aesthetic.moodsync.spi.RepoSyncState;
import computer.aesthetic.moodsync.spi.Secret;
import computer.aesthetic.moodsync.syntax.Did;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The follower's replay paths on a private reference PDS with a short backfill window
 * ({@code PDS_REPO_BACKFILL_LIMIT_MS=4000}) and a small subscriber buffer ({@code PDS_MAX_SUBSCRIPTION_BUFFER=1}):
 * an outdated cursor produces {@code #info OutdatedCursor} and a resync that catches up edits, creates and deletes;
 * a burst of writes overflows the PDS's buffer ({@code ConsumerTooSlow}) and the follower recovers from its cursor
 * with every record imported once; an account deleted while the follower is down is marked on replay.
 */
class FollowReplayIT {
    private static final long BACKFILL_MS = 4000;

    @RegisterExtension
    static final MongoTestExtension MONGO = new MongoTestExtension();

    @RegisterExtension
    static final PrivateReferencePdsExtension PDS = new PrivateReferencePdsExtension(
            ReferencePds.Options.defaults().withAccounts(4)
                    .withEnv("PDS_REPO_BACKFILL_LIMIT_MS", Long.toString(BACKFILL_MS))
                    .withEnv("PDS_MAX_SUBSCRIPTION_BUFFER", "1"));

    @Test
    @Timeout(value = 5, unit = TimeUnit.MINUTES)
    void anOutdatedCursorResyncsEveryChangeMadeWhileTheFollowerWasDown(ReferencePds pds) throws Exception {
        ReferencePds.Account account = pds.account(0);
        try (FollowStack stack = new FollowStack(MONGO.database(), pds);
                FirehoseEventSource source = stack.source().build()) {
            UserId user = stack.user(account);
            OtherClient other = new OtherClient(stack.http, pds, account);
            try (Follower follower = stack.follower(source, new Changes()).build()) {
                follower.start();
                FollowRealPdsIT.warmUp(stack, other, user);
                other.put("3kkeptedited", "before");
                other.put("3kdeletedoff", "to be deleted");
                FollowStack.await("both imported", () -> stack.moodAt(user, "3kkeptedited").isPresent()
                        && stack.moodAt(user, "3kdeletedoff").isPresent());
            }
            MoodId edited = stack.moodAt(user, "3kkeptedited").orElseThrow().id();
            MoodId deleted = stack.moodAt(user, "3kdeletedoff").orElseThrow().id();
            // While the follower is down: an edit, a delete and a create, then longer than the backfill window.
            other.put("3kkeptedited", "edited while down");
            other.delete("3kdeletedoff");
            other.put("3kcreatednew", "created while down");
            Thread.sleep(BACKFILL_MS + 2000);

            Changes changes = new Changes();
            try (Follower follower = stack.follower(source, changes).build()) {
                follower.start();
                FollowStack.await("the resync caught up", () -> stack.store.find(edited)
                        .map(m -> m.text().equals("edited while down")).orElse(false)
                        && stack.store.find(deleted).map(Mood::deleted).orElse(false)
                        && stack.moodAt(user, "3kcreatednew").isPresent()
                        && changes.of(Kind.RESYNCED).stream().anyMatch(c -> c.repo().toString()
                                .equals(account.did())));
                assertThat(source.infos("OutdatedCursor")).as("the PDS sent #info OutdatedCursor").isPositive();
                assertThat(changes.of(Kind.RESYNCED)).anySatisfy(c -> assertThat(c.repo().toString())
                        .isEqualTo(account.did()));
                assertThat(follower.stats().resyncs()).isPositive();
                System.out.printf("follow IT: OutdatedCursor -> resync: %s%n", changes.of(Kind.RESYNCED));
            }
            List<Mood> moods = stack.moods(user);
            assertThat(new HashSet<>(moods.stream().map(m -> m.rkey().orElseThrow()).toList()))
                    .as("one mood per record key").hasSize(moods.size());
        }
    }

    @Test
    @Timeout(value = 5, unit = TimeUnit.MINUTES)
    void aConsumerTooSlowErrorIsRecoveredFromTheCursorWithEveryRecordImportedOnce(ReferencePds pds) throws Exception {
        ReferencePds.Account account = pds.account(1);
        int threads = 6;
        int perThread = 10;
        try (FollowStack stack = new FollowStack(MONGO.database(), pds);
                FirehoseEventSource source = stack.source().build()) {
            UserId user = stack.user(account);
            OtherClient other = new OtherClient(stack.http, pds, account);
            Changes changes = new Changes();
            try (Follower follower = stack.follower(source, changes).build()) {
                follower.start();
                FollowRealPdsIT.warmUp(stack, other, user);
                int before = stack.moods(user).size();
                // The PDS's sequencer polls its database, backing off to once a second while idle
                // (sequencer.js exponentialBackoff), and pushes each poll's events into the subscriber's buffer at
                // once; the buffer throws ConsumerTooSlow when it holds more than PDS_MAX_SUBSCRIPTION_BUFFER
                // events (common-web AsyncBuffer.events, outbox.js). So a burst after an idle spell overflows it. (With
                // a buffer of 3 it did not here: a write takes long enough that one poll rarely holds 4 events, and
                // the PDS's send waits for the socket, so only a consumer stalled for megabytes would fill it.)
                Thread.sleep(3000);
                ExecutorService pool = Executors.newFixedThreadPool(threads);
                try {
                    List<Future<?>> writes = new ArrayList<>();
                    for (int t = 0; t < threads; t++) {
                        int thread = t;
                        writes.add(pool.submit(() -> {
                            for (int i = 0; i < perThread; i++) {
                                other.put(String.format("3kburst%02d%03d", thread, i), "burst " + thread + "/" + i);
                            }
                            return null;
                        }));
                    }
                    for (Future<?> w : writes) {
                        w.get(2, TimeUnit.MINUTES);
                    }
                } finally {
                    pool.shutdownNow();
                }
                FollowStack.await("every burst record imported",
                        () -> stack.moods(user).size() == before + threads * perThread);
                assertThat(source.errorFrames("ConsumerTooSlow")).as("the PDS's buffer of 1 overflowed")
                        .isPositive();
                assertThat(source.connections()).as("the follower reconnected").isGreaterThan(1);
                System.out.printf("follow IT: %d concurrent writes -> %d ConsumerTooSlow, %d connections, %d resyncs"
                        + "%n", threads * perThread, source.errorFrames("ConsumerTooSlow"), source.connections(),
                        follower.stats().resyncs());
            }
            List<Mood> moods = stack.moods(user);
            assertThat(new HashSet<>(moods.stream().map(m -> m.rkey().orElseThrow()).toList()))
                    .as("one mood per record key").hasSize(moods.size());
            assertThat(moods).noneMatch(Mood::deleted);
            assertThat(moods).allSatisfy(m -> assertThat(m.text()).isNotBlank());
        }
    }

    @Test
    @Timeout(value = 5, unit = TimeUnit.MINUTES)
    void anAccountDeletedWhileTheFollowerIsDownIsMarkedOnReplay(ReferencePds pds) throws Exception {
        ReferencePds.Account gone = pds.account(2);
        ReferencePds.Account stays = pds.account(3);
        try (FollowStack stack = new FollowStack(MONGO.database(), pds);
                FirehoseEventSource source = stack.source().build()) {
            UserId goneUser = stack.user(gone);
            UserId staysUser = stack.user(stays);
            OtherClient goneClient = new OtherClient(stack.http, pds, gone);
            OtherClient staysClient = new OtherClient(stack.http, pds, stays);
            try (Follower follower = stack.follower(source, new Changes()).build()) {
                follower.start();
                FollowRealPdsIT.warmUp(stack, goneClient, goneUser);
                goneClient.put("3kgonemood01", "a mood of an account about to go");
                FollowStack.await("imported", () -> stack.moodAt(goneUser, "3kgonemood01").isPresent());
            }
            List<Mood> before = stack.moods(goneUser);
            // While the follower is down: the account is deleted, another user writes.
            goneClient.put("3kgonemood02", "written just before the deletion");
            PdsAdmin.builder().pds(pds.url()).adminPassword(Secret.of(pds.adminPassword())).httpClient(stack.http)
                    .build().deleteAccount(Did.parse(gone.did()));
            staysClient.put("3kstaysmood1", "after the deletion");

            Changes changes = new Changes();
            try (Follower follower = stack.follower(source, changes).build()) {
                follower.start();
                FollowStack.await("the next user's record imported (the replay went past the deletion)",
                        () -> stack.moodAt(staysUser, "3kstaysmood1").isPresent());
                FollowStack.await("the #account event handled", () -> !changes.of(Kind.ACCOUNT).isEmpty());
                IngestChange account = changes.of(Kind.ACCOUNT).get(0);
                assertThat(account.repo().toString()).isEqualTo(gone.did());
                assertThat(account.detail()).contains("deleted");
                RepoSyncState st = stack.state.repo(FollowStack.SOURCE, Did.parse(gone.did())).orElseThrow();
                assertThat(st.accountStatus()).contains("deleted");
                System.out.printf("follow IT: account deleted while down -> %s%n", changes.all);
            }
            assertThat(stack.moods(goneUser)).as("the deleted account's moods stay").isEqualTo(before);
        }
    }
}
