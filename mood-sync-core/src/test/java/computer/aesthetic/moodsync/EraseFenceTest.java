package computer.aesthetic.moodsync;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import computer.aesthetic.moodsync.reconcile.ErasureReceipt;
import computer.aesthetic.moodsync.record.MoodRecords;
import computer.aesthetic.moodsync.spi.Account;
import computer.aesthetic.moodsync.spi.AtprotoRepo;
import computer.aesthetic.moodsync.spi.Secret;
import computer.aesthetic.moodsync.syntax.Did;
import computer.aesthetic.moodsync.syntax.Handle;
import computer.aesthetic.moodsync.testing.InMemoryAccountDirectory;
import computer.aesthetic.moodsync.testing.InMemoryAtprotoRepo;
import computer.aesthetic.moodsync.testing.InMemoryMoodStore;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Schedule 7 of issue 11: an erasure is final; nothing posted while it runs outlives it. */
class EraseFenceTest {
    static final UserId ALICE = new UserId("auth0|alice");
    static final Did ALICE_DID = Did.parse("did:plc:alice234567abcdefghijklm");

    final InMemoryMoodStore store = InMemoryMoodStore.create();
    final InMemoryAtprotoRepo pds = InMemoryAtprotoRepo.create();
    final InMemoryAccountDirectory accounts = InMemoryAccountDirectory.create();
    /** Released by the test: the first record write waits on it, as a slow PDS or a paused writer would. */
    final CountDownLatch release = new CountDownLatch(1);
    final CountDownLatch writing = new CountDownLatch(1);
    MoodSyncService service;

    EraseFenceTest() {
        accounts.put(ALICE, Account.of(ALICE_DID, Handle.parse("alice.test"), Secret.of("pw")));
    }

    @AfterEach
    void close() {
        release.countDown();
        if (service != null) {
            service.close();
        }
    }

    AtprotoRepo slowFirstWrite() {
        return (AtprotoRepo) Proxy.newProxyInstance(AtprotoRepo.class.getClassLoader(),
                new Class<?>[] {AtprotoRepo.class}, (proxy, method, args) -> {
                    if (method.getName().equals("putRecord") || method.getName().equals("createIfAbsent")) {
                        if (writing.getCount() > 0) {
                            writing.countDown();
                            release.await(30, TimeUnit.SECONDS);
                        }
                    }
                    try {
                        return method.invoke(pds, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
    }

    MoodSyncService service(AtprotoRepo repo) {
        service = MoodSyncService.builder().store(store).repo(repo).accounts(accounts).mode(SyncMode.INLINE)
                .inlineTimeout(Duration.ofMillis(100)).lease(Duration.ofSeconds(20)).startWorker(false).build();
        return service;
    }

    @Test
    void aPostWhoseWriteIsInFlightWhenEraseStartsDoesNotOutliveIt() throws Exception {
        MoodSyncService s = service(slowFirstWrite());
        s.post(ALICE, "before");
        // The write of this post is stuck inside the PDS call when the erasure starts.
        SyncResult late = CompletableFuture.supplyAsync(() -> s.post(ALICE, "posted while erasing")).get(5,
                TimeUnit.SECONDS);
        assertThat(late.outcome()).isEqualTo(SyncResult.Outcome.PENDING);
        assertThat(writing.await(5, TimeUnit.SECONDS)).isTrue();

        CompletableFuture<ErasureReceipt> erase = CompletableFuture.supplyAsync(() -> s.erase(ALICE, false));
        Thread.sleep(300);
        assertThat(erase).as("erase waits for the writer's lease").isNotDone();
        release.countDown(); // the stuck write lands now, after the erasure began
        ErasureReceipt receipt = erase.get(20, TimeUnit.SECONDS);

        assertThat(receipt.verified()).as(receipt.toString()).isTrue();
        assertThat(pds.records(ALICE_DID, MoodRecords.COLLECTION)).isEmpty();
        assertThat(store.snapshot()).isEmpty();
        // A post after the erasure is refused with a typed error, and nothing is kept.
        assertThatThrownBy(() -> s.post(ALICE, "too late")).isInstanceOf(UserErasedException.class)
                .hasMessageContaining("erased");
        assertThat(store.snapshot()).isEmpty();
        assertThat(pds.records(ALICE_DID, MoodRecords.COLLECTION)).isEmpty();
    }

    @Test
    void changesOfAnErasedUsersMoodsAreRefusedAndPendingWorkIsCancelled() {
        MoodSyncService s = service(pds);
        MoodId id = s.post(ALICE, "mine").moodId();
        pds.down(true);
        MoodId pending = s.post(ALICE, "pending").moodId();
        assertThat(store.find(pending).orElseThrow().pending()).isPresent();
        // The tombstone alone (as an erase's first step): pending work is cancelled, changes are refused.
        assertThat(store.fenceUser(ALICE, java.time.Instant.now().plusSeconds(60))).isEmpty();
        assertThat(store.find(pending).orElseThrow().pending()).isEmpty();
        // A change meets the fence right after its store write (one read, with the hold): it is refused, and the
        // user's moods, all of which the erasure is to delete, are removed there and then.
        assertThatThrownBy(() -> s.edit(id, "changed")).isInstanceOf(UserErasedException.class);
        assertThat(store.snapshot()).extracting(Mood::user).doesNotContain(ALICE);
        assertThatThrownBy(() -> s.delete(id)).isInstanceOf(NoSuchMoodException.class);
        assertThat(s.syncNow()).isZero();
        assertThat(pds.records(ALICE_DID, MoodRecords.COLLECTION)).hasSize(1); // the erasure's own to delete
        // Other users are not affected.
        UserId bob = new UserId("auth0|bob");
        assertThat(s.post(bob, "hello").outcome()).isEqualTo(SyncResult.Outcome.NO_ACCOUNT);
        assertThat(store.unfenceUser(ALICE)).isTrue();
        pds.down(false);
        assertThat(s.post(ALICE, "back").outcome()).isEqualTo(SyncResult.Outcome.SYNCED);
    }
}
