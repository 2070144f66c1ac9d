package computer.aesthetic.moodsync.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import computer.aesthetic.moodsync.Mood;
import computer.aesthetic.moodsync.MoodId;
import computer.aesthetic.moodsync.StoreConflictException;
import computer.aesthetic.moodsync.StoreException;
import computer.aesthetic.moodsync.spi.MalformedMood;
import computer.aesthetic.moodsync.spi.MoodStore;
import computer.aesthetic.moodsync.spi.MoodStoreContract;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

class InMemoryMoodStoreTest extends MoodStoreContract {
    private InMemoryMoodStore fake;
    /** The "database server's" clock, which judges leases; far from the callers' times the tests pass. */
    private final TestClock server = TestClock.at(java.time.Instant.parse("2031-05-05T05:05:05Z"));

    @Override
    protected MoodStore newStore() {
        fake = InMemoryMoodStore.create(server);
        return fake;
    }

    @Override
    protected void passStoreTime(java.time.Duration d) {
        server.advance(d);
    }

    @Test
    void failNextFailsTheNextCallsOfThatOperationWithoutWriting() {
        Mood m = posted(ALICE, 1);
        fake.failNext(2, "insert");
        assertThatThrownBy(() -> fake.insert(m)).isInstanceOf(StoreException.class)
                .isNotInstanceOf(StoreConflictException.class)
                .satisfies(e -> assertThat(((StoreException) e).operation()).isEqualTo("insert"));
        assertThatThrownBy(() -> fake.insert(m)).isInstanceOf(StoreException.class);
        assertThat(fake.find(m.id())).isEmpty();
        fake.insert(m);
        assertThat(fake.find(m.id())).contains(m);
        assertThat(fake.calls("insert")).isEqualTo(3);
    }

    @Test
    void failNextOnlyAffectsTheNamedOperation() {
        Mood m = posted(ALICE, 1);
        fake.failNext(1, "completeSync");
        fake.insert(m);
        long token = m.pending().orElseThrow().token();
        assertThatThrownBy(() -> fake.completeSync(m.id(), token, "w", Optional.empty()))
                .isInstanceOf(StoreException.class);
        assertThat(fake.find(m.id())).contains(m);
        assertThat(fake.completeSync(m.id(), token, "w", Optional.empty())).isTrue();
    }

    @Test
    void failNextAfterWriteAppliesTheWriteThenFails() {
        Mood m = posted(ALICE, 1);
        fake.insert(m);
        fake.failNextAfterWrite(1, "completeSync");
        long token = m.pending().orElseThrow().token();
        assertThatThrownBy(() -> fake.completeSync(m.id(), token, "w", Optional.of(rkey())))
                .isInstanceOf(StoreException.class);
        assertThat(fake.find(m.id()).orElseThrow().pending()).isEmpty();
        assertThat(fake.completeSync(m.id(), token, "w", Optional.empty())).isFalse();
    }

    @Test
    void clearFaultsCancelsScheduledFailures() {
        fake.failNext(5, "find");
        fake.failNextAfterWrite(5, "insert");
        fake.clearFaults();
        Mood m = posted(ALICE, 1);
        fake.insert(m);
        assertThat(fake.find(m.id())).contains(m);
    }

    @Test
    void unknownOperationNamesAreRejected() {
        assertThatThrownBy(() -> fake.failNext(1, "insrt")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("insrt");
        assertThatThrownBy(() -> fake.calls("nope")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> fake.failNext(-1, "insert")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void callsAreCountedPerOperationAndCanBeReset() {
        Mood m = posted(ALICE, 1);
        fake.insert(m);
        fake.find(m.id());
        fake.find(m.id());
        try (Stream<Mood> s = fake.listByUser(ALICE)) {
            assertThat(s).hasSize(1);
        }
        assertThat(fake.calls("insert")).isEqualTo(1);
        assertThat(fake.calls("find")).isEqualTo(2);
        assertThat(fake.calls("listByUser")).isEqualTo(1);
        assertThat(fake.calls("claimDue")).isZero();
        fake.resetCalls();
        assertThat(fake.calls("find")).isZero();
    }

    @Test
    void malformedDocumentsAreListedByUserAndErasedWithTheirUser() {
        MalformedMood noUser = new MalformedMood("65f1c0ffee0000000000abc1", Optional.empty(),
                "user: expected a string, found nothing");
        MalformedMood alices = new MalformedMood("legacy-1", Optional.of(ALICE.value()),
                "mood: expected a string, found 42");
        MalformedMood bobs = new MalformedMood("legacy-2", Optional.of(BOB.value()), "when: expected a date");
        fake.insertMalformed(noUser);
        fake.insertMalformed(alices);
        fake.insertMalformed(bobs);
        fake.insert(posted(ALICE, 1));

        try (Stream<MalformedMood> s = fake.listMalformed(Optional.empty())) {
            assertThat(s).containsExactly(noUser, alices, bobs);
        }
        try (Stream<MalformedMood> s = fake.listMalformed(Optional.of(ALICE))) {
            assertThat(s).containsExactly(alices);
        }
        assertThatThrownBy(() -> fake.insertMalformed(alices)).isInstanceOf(StoreConflictException.class);
        assertThat(fake.findMalformed(MoodId.parse(noUser.id()))).contains(noUser);

        assertThat(fake.deleteAllOf(ALICE)).isEqualTo(2);
        try (Stream<MalformedMood> s = fake.listMalformed(Optional.empty())) {
            assertThat(s).containsExactly(noUser, bobs);
        }
    }

    @Test
    void malformedDocumentCannotReuseAMoodId() {
        Mood m = posted(ALICE, 1);
        fake.insert(m);
        assertThatThrownBy(() -> fake.insertMalformed(new MalformedMood(m.id().value(), Optional.empty(), "x")))
                .isInstanceOf(StoreConflictException.class);
    }

    @Test
    void streamsAreSnapshotsUnaffectedByLaterWrites() {
        Mood first = posted(ALICE, 1);
        fake.insert(first);
        try (Stream<Mood> s = fake.listByUser(ALICE)) {
            fake.insert(posted(ALICE, 2));
            fake.deleteAllOf(ALICE);
            assertThat(s).containsExactly(first);
        }
    }

    @Test
    void snapshotAndSizeShowEveryMood() {
        Mood a = posted(BOB, 2);
        Mood b = posted(ALICE, 1);
        fake.insert(a);
        fake.insert(b);
        assertThat(fake.snapshot()).containsExactly(b, a);
        assertThat(fake.size()).isEqualTo(2);
        assertThat(fake.toString()).contains("moods=2");
    }

    @Test
    void operationsListNamesEveryMoodStoreMethodTheStoreImplements() {
        List<String> methods = Stream.of(MoodStore.class.getDeclaredMethods())
                .filter(mm -> !mm.isSynthetic() && !java.lang.reflect.Modifier.isStatic(mm.getModifiers()))
                .filter(mm -> {
                    try {
                        InMemoryMoodStore.class.getDeclaredMethod(mm.getName(), mm.getParameterTypes());
                        return true;
                    } catch (NoSuchMethodException e) {
                        return false;
                    }
                })
                .map(java.lang.reflect.Method::getName)
                .distinct()
                .toList();
        assertThat(InMemoryMoodStore.OPERATIONS).containsExactlyInAnyOrderElementsOf(methods);
    }
}
