package computer.aesthetic.moodsync;

import static org.assertj.core.api.Assertions.assertThat;

import computer.aesthetic.moodsync.record.MoodRecords;
import computer.aesthetic.moodsync.spi.Account;
import computer.aesthetic.moodsync.spi.RepoRecord;
import computer.aesthetic.moodsync.spi.Secret;
import computer.aesthetic.moodsync.syntax.Did;
import computer.aesthetic.moodsync.syntax.Handle;
import computer.aesthetic.moodsync.testing.InMemoryAccountDirectory;
import computer.aesthetic.moodsync.testing.InMemoryAtprotoRepo;
import computer.aesthetic.moodsync.testing.InMemoryMoodStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class ConcurrencyTest {

    @Test
    void eightPostersTwentyUsersTwoWorkersAndDeletesEndWithExactlyTheLiveMoodsOnThePds() throws Exception {
        InMemoryMoodStore store = InMemoryMoodStore.create();
        InMemoryAtprotoRepo pds = InMemoryAtprotoRepo.create();
        InMemoryAccountDirectory accounts = InMemoryAccountDirectory.create();
        List<UserId> users = new ArrayList<>();
        for (int u = 0; u < 20; u++) {
            UserId user = new UserId("auth0|user" + u);
            users.add(user);
            accounts.put(user, Account.of(Did.parse("did:plc:user" + u + "x".repeat(10)),
                    Handle.parse("user" + u + ".test"), Secret.of("pw" + u)));
        }
        pds.latency(Duration.ofMillis(1));
        // Two app instances on one store and one PDS: one posts inline, one queues; both run workers.
        MoodSyncService inline = MoodSyncService.builder().store(store).repo(pds).accounts(accounts)
                .instanceId("a").pollInterval(Duration.ofMillis(20)).lease(Duration.ofSeconds(20)).build();
        MoodSyncService queued = MoodSyncService.builder().store(store).repo(pds).accounts(accounts)
                .instanceId("b").mode(SyncMode.QUEUED).pollInterval(Duration.ofMillis(20)).lease(Duration.ofSeconds(20))
                .build();
        ExecutorService posters = Executors.newFixedThreadPool(8);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                int thread = t;
                done.add(posters.submit(() -> {
                    SplittableRandom random = new SplittableRandom(thread);
                    List<MoodId> mine = new ArrayList<>();
                    for (int i = 0; i < 60; i++) {
                        MoodSyncService via = random.nextBoolean() ? inline : queued;
                        UserId user = users.get(random.nextInt(users.size()));
                        mine.add(via.post(user, "t" + thread + " m" + i).moodId());
                        if (random.nextInt(4) == 0) { // delete one of ours, sometimes right after posting it
                            via.delete(mine.get(random.nextInt(mine.size())));
                        }
                        if (random.nextInt(10) == 0) {
                            MoodId id = mine.get(random.nextInt(mine.size()));
                            via.undelete(id);
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : done) {
                f.get(60, TimeUnit.SECONDS);
            }
            // Let both workers finish what is due (leases taken by inline writes are released on completion).
            for (int i = 0; i < 200 && anyPending(store); i++) {
                Thread.sleep(50);
            }
            assertThat(anyPending(store)).as("everything synced").isFalse();

            for (UserId user : users) {
                Did did = accounts.findByUser(user).orElseThrow().did();
                List<RepoRecord> records = pds.records(did, MoodRecords.COLLECTION);
                Set<String> live = store.snapshot().stream().filter(m -> m.user().equals(user) && !m.deleted())
                        .map(m -> m.id().toString()).collect(Collectors.toSet());
                List<String> refs = records.stream().map(r -> (String) r.value().get("ref")).toList();
                assertThat(new HashSet<>(refs)).as("each record once").hasSameSizeAs(refs);
                assertThat(new HashSet<>(refs)).as("the PDS holds exactly the live moods of %s", user).isEqualTo(live);
                for (RepoRecord r : records) {
                    Mood mood = store.find(MoodId.parse((String) r.value().get("ref"))).orElseThrow();
                    assertThat(mood.rkey()).as("linked").contains(r.rkey());
                    assertThat(r.value()).isEqualTo(MoodRecords.toRecord(mood));
                }
            }
        } finally {
            posters.shutdownNow();
            inline.close();
            queued.close();
        }
    }

    private static boolean anyPending(InMemoryMoodStore store) {
        try (var pending = store.listPending(Optional.empty())) {
            return pending.findAny().isPresent();
        }
    }
}
