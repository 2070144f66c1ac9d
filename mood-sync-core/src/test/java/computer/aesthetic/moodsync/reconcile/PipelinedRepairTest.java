package computer.aesthetic.moodsync.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import computer.aesthetic.moodsync.Mood;
import computer.aesthetic.moodsync.MoodId;
import computer.aesthetic.moodsync.PdsException;
import computer.aesthetic.moodsync.StoreException;
import computer.aesthetic.moodsync.UserId;
import computer.aesthetic.moodsync.record.MoodRecords;
import computer.aesthetic.moodsync.spi.Account;
import computer.aesthetic.moodsync.spi.AtprotoRepo;
import computer.aesthetic.moodsync.spi.MoodStore;
import computer.aesthetic.moodsync.spi.RepoRecord;
import computer.aesthetic.moodsync.spi.Secret;
import computer.aesthetic.moodsync.syntax.Did;
import computer.aesthetic.moodsync.syntax.Handle;
import computer.aesthetic.moodsync.testing.InMemoryAccountDirectory;
import computer.aesthetic.moodsync.testing.InMemoryAtprotoRepo;
import computer.aesthetic.moodsync.testing.InMemoryMoodStore;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * A plan's create batches are pipelined: the store links of batch k are written while batch k+1 goes to the PDS, and
 * every way out of the run (the end of the creates, a failed batch, a failed link write) waits for them, so the result
 * counts exactly what was linked.
 */
class PipelinedRepairTest {
    private static final UserId USER = new UserId("auth0|pipelined");
    private static final Did DID = Did.parse("did:plc:pipelineduserabcdefgh");
    private static final int MOODS = 25;
    private static final int BATCH = 10;

    private final InMemoryMoodStore store = InMemoryMoodStore.create();
    private final InMemoryAtprotoRepo repo = InMemoryAtprotoRepo.create();
    private final InMemoryAccountDirectory accounts = InMemoryAccountDirectory.create();
    private final List<MoodId> ids = new ArrayList<>();

    PipelinedRepairTest() {
        accounts.put(USER, Account.of(DID, Handle.parse("pipelined.test"), Secret.of("pw")));
        for (int j = 0; j < MOODS; j++) {
            MoodId id = MoodId.of(1_760_000_000L + j * 60L, 0xCD0001L, j);
            ids.add(id);
            store.insertIfAbsent(new Mood(id, USER, "mood " + j, Instant.ofEpochSecond(id.seconds()), false,
                    Optional.empty(), Optional.empty()));
        }
    }

    private RepairResult repair(AtprotoRepo r, MoodStore s) {
        Reconciler reconciler = Reconciler.builder().store(s).repo(r).accounts(accounts).build();
        RepairPlan plan = reconciler.plan(reconciler.reconcile(USER), RepairPolicy.DEFAULT);
        assertThat(plan.actions(RepairAction.Type.CREATE_RECORD)).hasSize(MOODS);
        return Repairer.builder().reconciler(reconciler).batchSize(BATCH).build().apply(plan);
    }

    @Test
    void linksOfABatchAreWrittenWhileTheNextBatchGoesToThePds() {
        AtomicInteger batches = new AtomicInteger();
        CountDownLatch secondBatch = new CountDownLatch(1);
        AtomicBoolean overlapped = new AtomicBoolean();
        AtomicBoolean waited = new AtomicBoolean();
        AtprotoRepo r = proxy(AtprotoRepo.class, repo, (method, args) -> {
            if (method.equals("applyWrites") && batches.incrementAndGet() == 2) {
                secondBatch.countDown();
            }
        });
        // The first link write waits (5 s at most) for the second batch's applyWrites: when links are written on the
        // run's own thread before the next batch, that batch only comes after the wait has run out.
        MoodStore s = proxy(MoodStore.class, store, (method, args) -> {
            if (method.equals("setLinks") && waited.compareAndSet(false, true)) {
                try {
                    overlapped.set(secondBatch.await(5, TimeUnit.SECONDS));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        });

        RepairResult result = repair(r, s);

        assertThat(overlapped).as("batch 2 was sent while batch 1's links were being written").isTrue();
        assertThat(result.isComplete()).as(result.toString()).isTrue();
        assertThat(result.appliedCount()).isEqualTo(MOODS);
        assertThat(batches).hasValue(3);
        assertOneLinkedRecordPerMood(ids);
    }

    @Test
    void aBatchThatFailsStillWaitsForTheLinksOfTheBatchBefore() {
        AtomicInteger batches = new AtomicInteger();
        AtprotoRepo r = proxy(AtprotoRepo.class, repo, (method, args) -> {
            if (method.equals("applyWrites") && batches.incrementAndGet() == 2) {
                throw new PdsException(400, "InvalidRequest", "injected: batch 2 refused", false, null, null);
            }
        });
        MoodStore s = proxy(MoodStore.class, store, (method, args) -> {
            if (method.equals("setLinks")) {
                sleep(300); // still linking when batch 2 fails
            }
        });

        RepairResult result = repair(r, s);

        assertThat(result.status()).isEqualTo(RepairResult.Status.FAILED);
        assertThat(result.error()).hasValueSatisfying(e -> assertThat(e).contains("injected: batch 2 refused"));
        assertThat(result.appliedCount()).as("batch 1, linked before the run ended").isEqualTo(BATCH);
        assertThat(result.remaining()).hasSize(MOODS - BATCH);
        assertOneLinkedRecordPerMood(ids.subList(0, BATCH));
        // Running again finishes the rest, without a second record for anything.
        RepairResult again = repair2();
        assertThat(again.isComplete()).as(again.toString()).isTrue();
        assertOneLinkedRecordPerMood(ids);
    }

    @Test
    void aFailedLinkWriteEndsTheRunAndLeavesItsBatchToTheNextReconcile() {
        AtomicInteger links = new AtomicInteger();
        MoodStore s = proxy(MoodStore.class, store, (method, args) -> {
            if (method.equals("setLinks") && links.incrementAndGet() == 1) {
                throw new StoreException("setLinks", "injected: store down", null);
            }
        });

        RepairResult result = repair(repo, s);

        assertThat(result.status()).isEqualTo(RepairResult.Status.FAILED);
        assertThat(result.error()).hasValueSatisfying(e -> assertThat(e).contains("injected: store down"));
        assertThat(result.remaining()).as("batch 1 was never linked: not applied")
                .extracting(a -> a.moodId().orElseThrow()).containsAll(ids.subList(0, BATCH));
        assertThat(result.appliedCount() + result.remaining().size()).isEqualTo(MOODS);
        // The records written are found again, linked, never written twice.
        RepairResult again = repair2();
        assertThat(again.isComplete()).as(again.toString()).isTrue();
        assertOneLinkedRecordPerMood(ids);
    }

    /** Reconciles, plans and applies with the plain fakes, whatever the plan holds. */
    private RepairResult repair2() {
        Reconciler reconciler = Reconciler.builder().store(store).repo(repo).accounts(accounts).build();
        return Repairer.builder().reconciler(reconciler).batchSize(BATCH).build()
                .apply(reconciler.plan(reconciler.reconcile(USER), RepairPolicy.DEFAULT));
    }

    private void assertOneLinkedRecordPerMood(List<MoodId> moods) {
        List<RepoRecord> records = repo.records(DID, MoodRecords.COLLECTION);
        for (MoodId id : moods) {
            assertThat(records).as("records of %s", id)
                    .filteredOn(rec -> MoodRecords.namedMood(rec.value()).equals(Optional.of(id))).singleElement()
                    .satisfies(rec -> assertThat(rec.rkey()).isEqualTo(MoodRecords.rkeyFor(id)));
            assertThat(store.find(id).orElseThrow().rkey()).as("link of %s", id).contains(MoodRecords.rkeyFor(id));
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Called before each call of the proxied interface; may throw to fail the call. */
    @FunctionalInterface
    private interface Before {
        void before(String method, Object[] args);
    }

    private static <T> T proxy(Class<T> type, T target, Before before) {
        return type.cast(Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] {type}, (p, method, args) -> {
            Object[] a = args == null ? new Object[0] : args;
            if (method.getDeclaringClass() != Object.class) {
                before.before(method.getName(), a);
            }
            try {
                return method.invoke(target, a);
            } catch (InvocationTargetException e) {
                throw e.getCause();
            }
        }));
    }
}
