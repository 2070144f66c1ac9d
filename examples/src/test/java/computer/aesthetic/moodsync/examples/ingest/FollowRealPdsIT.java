package computer.aesthetic.moodsync.examples.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import computer.aesthetic.moodsync.Mood;
import computer.aesthetic.moodsync.MoodId;
import computer.aesthetic.moodsync.UserId;
import computer.aesthetic.moodsync.examples.ingest.FollowStack.Changes;
import computer.aesthetic.moodsync.examples.ingest.FollowStack.OtherClient;
import computer.aesthetic.moodsync.ingest.Follower;
import computer.aesthetic.moodsync.ingest.FollowerStats;
import computer.aesthetic.moodsync.ingest.IngestChange.Kind;
import computer.aesthetic.moodsync.mongo.testing.MongoTestExtension;
import computer.aesthetic.moodsync.pds.sync.FirehoseEventSource;
import computer.aesthetic.moodsync.pds.testing.ReferencePds;
import computer.aesthetic.moodsync.pds.testing.ReferencePdsExtension;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The follower on the real reference PDS and MongoDB: raw XRPC calls (another client) create, edit and delete mood
 * records and MongoDB follows (the lag from the write's answer to the MongoDB update is measured and printed, never
 * asserted); the library's own posts, edits and deletes produce no ingest change.
 */
@ExtendWith(ReferencePdsExtension.class)
class FollowRealPdsIT {
    private static final int LAG_SAMPLES = 40;
    private static final int REPLAY_EVENTS = 150;

    @RegisterExtension
    static final MongoTestExtension MONGO = new MongoTestExtension();

    /** Writes records until the follower (connected live) imports one: from then on it sees every commit. */
    static void warmUp(FollowStack stack, OtherClient other, UserId user) throws Exception {
        long deadline = System.nanoTime() + FollowStack.WAIT.toNanos();
        for (int i = 0; ; i++) {
            String rkey = "3kwarmup" + String.format("%05d", i);
            other.put(rkey, "warm-up " + i);
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(3);
            while (System.nanoTime() < until) {
                if (stack.moodAt(user, rkey).isPresent()) {
                    return;
                }
                Thread.sleep(20);
            }
            assertThat(System.nanoTime()).as("the follower imported a warm-up record in time").isLessThan(deadline);
        }
    }

    @Test
    @Timeout(value = 5, unit = TimeUnit.MINUTES)
    void anotherClientsCreatesEditsAndDeletesReachMongoDb(ReferencePds pds) throws Exception {
        ReferencePds.Account account = pds.account(2);
        try (FollowStack stack = new FollowStack(MONGO.database(), pds);
                FirehoseEventSource source = stack.source().build()) {
            UserId user = stack.user(account);
            Changes changes = new Changes();
            OtherClient other = new OtherClient(stack.http, pds, account);
            try (Follower follower = stack.follower(source, changes).build()) {
                follower.start();
                warmUp(stack, other, user);

                other.put("3kother00001", "made elsewhere");
                FollowStack.await("the created record imported", () -> stack.moodAt(user, "3kother00001")
                        .map(m -> m.text().equals("made elsewhere")).orElse(false));
                MoodId id = stack.moodAt(user, "3kother00001").orElseThrow().id();
                other.put("3kother00001", "edited elsewhere");
                FollowStack.await("the edit applied", () -> stack.store.find(id)
                        .map(m -> m.text().equals("edited elsewhere")).orElse(false));
                other.delete("3kother00001");
                FollowStack.await("the delete applied", () -> stack.store.find(id).map(Mood::deleted).orElse(false));
                // MongoDB shows a change a moment before the follower reports it to its listener
                FollowStack.await("the edit and the delete reported", () -> changes.count(Kind.EDITED) >= 1
                        && changes.count(Kind.DELETED) >= 1);
                assertThat(changes.count(Kind.EDITED)).isEqualTo(1);
                assertThat(changes.count(Kind.DELETED)).isEqualTo(1);
                assertThat(changes.of(Kind.IMPORTED)).anySatisfy(c -> assertThat(c.mood()).contains(id));

                // Lag: from the PDS's answer to a write (the commit is done) to the MongoDB document showing it.
                other.put("3kotherlag01", "lag 0");
                FollowStack.await("the lag record imported", () -> stack.moodAt(user, "3kotherlag01").isPresent());
                MoodId lagId = stack.moodAt(user, "3kotherlag01").orElseThrow().id();
                List<Long> lagsMicros = new ArrayList<>();
                long firstWrite = System.nanoTime();
                for (int i = 1; i <= LAG_SAMPLES; i++) {
                    String text = "lag " + i;
                    other.put("3kotherlag01", text);
                    long answered = System.nanoTime();
                    FollowStack.await("edit " + i + " applied", () -> stack.store.find(lagId)
                            .map(m -> m.text().equals(text)).orElse(false));
                    lagsMicros.add(TimeUnit.NANOSECONDS.toMicros(System.nanoTime() - answered));
                }
                double seconds = (System.nanoTime() - firstWrite) / 1e9;
                Collections.sort(lagsMicros);
                FollowerStats stats = follower.stats();
                System.out.printf("follow IT: lag putRecord answer -> MongoDB updated, %d sequential edits: p50 %.0f ms,"
                        + " p99 %.0f ms, max %.0f ms (%.1f edits/s end to end; last event lag reported by the"
                        + " follower %s)%n", LAG_SAMPLES, pct(lagsMicros, 50) / 1000.0, pct(lagsMicros, 99) / 1000.0,
                        lagsMicros.get(lagsMicros.size() - 1) / 1000.0, LAG_SAMPLES / seconds,
                        stats.lag().map(d -> d.toMillis() + " ms").orElse("-"));
                FollowStack.await("every edit reported", () -> changes.count(Kind.EDITED) >= 1 + LAG_SAMPLES);
                assertThat(FollowStack.settled(follower).applied()).isEqualTo(changes.count(Kind.IMPORTED)
                        + changes.count(Kind.EDITED) + changes.count(Kind.DELETED));
                assertThat(changes.count(Kind.EDITED)).isEqualTo(1 + LAG_SAMPLES);
            }

            // Replay throughput: the follower is down while REPLAY_EVENTS records are written, then catches up
            // from its saved cursor: events verified (signature, proof, inversion) and applied per second.
            List<String> rkeys = new ArrayList<>();
            for (int i = 0; i < REPLAY_EVENTS; i++) {
                String rkey = "3kreplay" + String.format("%05d", i);
                other.put(rkey, "replayed " + i);
                rkeys.add(rkey);
            }
            Changes replay = new Changes();
            try (Follower follower = stack.follower(source, replay).build()) {
                long start = System.nanoTime();
                follower.start();
                FollowStack.await("the replay imported every record",
                        () -> replay.count(Kind.IMPORTED) >= REPLAY_EVENTS);
                double seconds = (System.nanoTime() - start) / 1e9;
                System.out.printf("follow IT: replay of %d commits from the saved cursor (connect, verify, apply to"
                        + " MongoDB): %.2f s, %.0f events/s%n", REPLAY_EVENTS, seconds, REPLAY_EVENTS / seconds);
                assertThat(replay.count(Kind.RESYNCED)).as("a replay within the backfill window needs no resync")
                        .isZero();
            }
            for (String rkey : rkeys) {
                assertThat(stack.moodAt(user, rkey)).as(rkey).isPresent();
            }
            List<Mood> moods = stack.moods(user);
            assertThat(new HashSet<>(moods.stream().map(m -> m.rkey().orElseThrow()).toList()))
                    .as("one mood per record key").hasSize(moods.size());
        }
    }

    @Test
    @Timeout(value = 5, unit = TimeUnit.MINUTES)
    void theLibrarysOwnPostsEditsAndDeletesProduceNoIngestChange(ReferencePds pds) throws Exception {
        ReferencePds.Account account = pds.account(2);
        try (FollowStack stack = new FollowStack(MONGO.database(), pds);
                FirehoseEventSource source = stack.source().build()) {
            UserId user = stack.user(account);
            Changes changes = new Changes();
            OtherClient other = new OtherClient(stack.http, pds, account);
            try (Follower follower = stack.follower(source, changes).build()) {
                follower.start();
                warmUp(stack, other, user);
                FollowerStats before = FollowStack.settled(follower);
                long importedBefore = changes.count(Kind.IMPORTED);

                List<MoodId> ours = new ArrayList<>();
                for (int i = 0; i < 5; i++) {
                    ours.add(stack.service.post(user, "our own mood " + i).moodId());
                }
                stack.service.edit(ours.get(0), "our own edit");
                stack.service.edit(ours.get(1), "our own edit, then deleted");
                stack.service.delete(ours.get(1));
                stack.service.delete(ours.get(2));
                // A barrier: another client's record, after ours in the stream.
                other.put("3kbarrier0001", "after our writes");
                FollowStack.await("the barrier record imported and reported",
                        () -> changes.of(Kind.IMPORTED).stream().anyMatch(c -> c.rkey().map(k -> k.toString()
                                .equals("3kbarrier0001")).orElse(false)));

                FollowerStats after = FollowStack.settled(follower);
                assertThat(after.applied() - before.applied()).as("only the barrier applied").isEqualTo(1);
                assertThat(changes.count(Kind.IMPORTED) - importedBefore).isEqualTo(1);
                assertThat(changes.count(Kind.EDITED)).isZero();
                assertThat(changes.count(Kind.DELETED)).isZero();
                assertThat(changes.count(Kind.REPORTED)).isZero();
                long skipped = after.echoes() - before.echoes() + after.inFlight() - before.inFlight();
                assertThat(skipped).as("our 9 writes skipped as echoes (or in flight)").isEqualTo(9);
                assertThat(after.echoes() - before.echoes()).as("echoes visible in stats()").isPositive();
                assertThat(stack.store.find(ours.get(0)).map(Mood::text)).contains("our own edit");
                assertThat(stack.store.find(ours.get(1)).map(Mood::deleted)).contains(true);
                assertThat(stack.store.find(ours.get(3)).map(Mood::text)).isEqualTo(Optional.of("our own mood 3"));
                System.out.printf("follow IT: our own 9 writes -> %d echoes, %d in flight, 0 applied%n",
                        after.echoes() - before.echoes(), after.inFlight() - before.inFlight());
            }
        }
    }

    static double pct(List<Long> sorted, int p) {
        int i = (int) Math.ceil(p / 100.0 * sorted.size()) - 1;
        return sorted.get(Math.max(0, Math.min(sorted.size() - 1, i)));
    }
}
