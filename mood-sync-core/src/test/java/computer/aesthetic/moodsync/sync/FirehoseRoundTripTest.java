package computer.aesthetic.moodsync.sync;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import computer.aesthetic.moodsync.data.Cid;
import computer.aesthetic.moodsync.data.DagCbor;
import computer.aesthetic.moodsync.spi.RepoWrite;
import computer.aesthetic.moodsync.spi.SwapRecord;
import computer.aesthetic.moodsync.syntax.Did;
import computer.aesthetic.moodsync.syntax.Nsid;
import computer.aesthetic.moodsync.syntax.RecordKey;
import computer.aesthetic.moodsync.testing.InMemoryAtprotoRepo;
import computer.aesthetic.moodsync.testing.InMemoryFirehose;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The in-memory PDS fake emits real events: every write applied to an {@link InMemoryAtprotoRepo} with an
 * {@link InMemoryFirehose} attached comes out as a frame that {@link FrameCodec} decodes and
 * {@link CommitVerifier} accepts (signature, ops, inversion to {@code prevData}), with {@code since} and
 * {@code prevData} chaining commit to commit; and each tampering is rejected with its typed reason.
 */
class FirehoseRoundTripTest {

    private static final Did ALICE = Did.parse("did:plc:alice000000000000000000");
    private static final Nsid MOODS = Nsid.parse("computer.aesthetic.mood");
    private static final CommitVerifier VERIFIER = CommitVerifier.of(JdkP256.verifier());

    private InMemoryAtprotoRepo repo;
    private InMemoryFirehose firehose;

    @BeforeEach
    void setUp() {
        repo = InMemoryAtprotoRepo.create();
        firehose = InMemoryFirehose.create();
        repo.attachFirehose(firehose);
    }

    private static Map<String, Object> mood(String text) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("$type", "computer.aesthetic.mood");
        m.put("mood", text);
        m.put("when", "2026-01-01T00:00:00.000Z");
        return m;
    }

    private List<FirehoseEvent> drain(InMemoryFirehose.Subscription sub) throws InterruptedException {
        List<FirehoseEvent> out = new ArrayList<>();
        for (Optional<byte[]> f = sub.next(Duration.ofMillis(50)); f.isPresent(); f = sub.next(Duration.ofMillis(50))) {
            out.add(FrameCodec.decode(f.get()));
        }
        return out;
    }

    @Test
    void everyKindOfWriteBecomesAVerifiedChainedCommit() throws Exception {
        InMemoryFirehose.Subscription sub = firehose.subscribe(OptionalLong.of(0));
        RecordKey a = RecordKey.parse("3kaaaaaaaaaa2");
        RecordKey b = RecordKey.parse("3kbbbbbbbbbb2");
        repo.putRecord(ALICE, MOODS, a, mood("happy"), SwapRecord.any());
        repo.createIfAbsent(ALICE, MOODS, b, mood("sad"));
        repo.putRecord(ALICE, MOODS, a, mood("happy"), SwapRecord.any()); // no change: no event
        repo.applyWrites(ALICE, List.of(new RepoWrite.Update(MOODS, a, mood("ecstatic")),
                new RepoWrite.Delete(MOODS, b), new RepoWrite.Create(MOODS, RecordKey.parse("3kcccccccccc2"),
                        mood("calm"))));
        repo.seed(ALICE, MOODS, RecordKey.parse("3kdddddddddd2"), mood("from another client"));
        repo.unseed(ALICE, MOODS, a);
        repo.deleteRecord(ALICE, MOODS, RecordKey.parse("3kcccccccccc2"), SwapRecord.any());

        List<FirehoseEvent> events = drain(sub);
        assertThat(events).hasSize(7);
        FirehoseEvent.Sync genesis = (FirehoseEvent.Sync) events.get(0);
        SignedCommit head = VERIFIER.verify(genesis, firehose.key(ALICE));
        long lastSeq = genesis.seq();
        List<String> actions = new ArrayList<>();
        for (FirehoseEvent e : events.subList(1, events.size())) {
            FirehoseEvent.Commit c = (FirehoseEvent.Commit) e;
            CommitVerifier.VerifiedCommit v = VERIFIER.verify(c, firehose.key(ALICE));
            assertThat(v.inverted()).isTrue();
            assertThat(c.seq()).isEqualTo(lastSeq + 1);
            assertThat(c.since()).contains(head.rev());
            assertThat(c.prevData()).contains(head.data());
            assertThat(c.rev()).isGreaterThan(head.rev());
            for (RepoOp op : c.ops()) {
                actions.add(op.action().wire() + " " + op.rkey());
                v.record(op).ifPresent(r -> assertThat(DagCbor.cidOf(r)).isEqualTo(op.cid().orElseThrow()));
            }
            head = v.commit();
            lastSeq = c.seq();
        }
        assertThat(actions).containsExactly("create 3kaaaaaaaaaa2", "create 3kbbbbbbbbbb2", "update 3kaaaaaaaaaa2",
                "delete 3kbbbbbbbbbb2", "create 3kcccccccccc2", "create 3kdddddddddd2", "delete 3kaaaaaaaaaa2",
                "delete 3kcccccccccc2");
        assertThat(head.data()).isEqualTo(firehose.root(ALICE).orElseThrow());
        // the final root is the root of what the fake holds
        java.util.TreeMap<String, Cid> held = new java.util.TreeMap<>();
        repo.records(ALICE, MOODS).forEach(r -> held.put("computer.aesthetic.mood/" + r.uri().rkey().orElseThrow().value(), r.cid()));
        assertThat(Mst.build(held).root()).isEqualTo(head.data());
    }

    @Test
    void recordsHeldBeforeAttachingAreInTheTreeOfTheFirstCommit() throws Exception {
        InMemoryAtprotoRepo fresh = InMemoryAtprotoRepo.create();
        for (int i = 0; i < 40; i++) {
            fresh.seed(ALICE, MOODS, RecordKey.parse("3kseed" + (1000000 + i)), mood("seed " + i));
        }
        InMemoryFirehose hose = InMemoryFirehose.create();
        fresh.attachFirehose(hose);
        InMemoryFirehose.Subscription sub = hose.subscribe(OptionalLong.of(0));
        fresh.putRecord(ALICE, MOODS, RecordKey.parse("3kseed1000007"), mood("edited"), SwapRecord.any());
        List<FirehoseEvent> events = drain(sub);
        SignedCommit genesis = CommitVerifier.of(JdkP256.verifier()).verify((FirehoseEvent.Sync) events.get(0),
                hose.key(ALICE));
        FirehoseEvent.Commit c = (FirehoseEvent.Commit) events.get(1);
        assertThat(c.ops()).singleElement().satisfies(op -> assertThat(op.action()).isEqualTo(RepoOp.Action.UPDATE));
        assertThat(VERIFIER.verify(c, hose.key(ALICE)).inverted()).isTrue();
        assertThat(c.prevData()).contains(genesis.data());
    }

    // ---- tampering ---------------------------------------------------------------------------

    private FirehoseEvent.Commit aCommitWithADeepProof() throws Exception {
        for (int i = 0; i < 200; i++) {
            repo.seed(ALICE, MOODS, RecordKey.parse("3kbulk" + (1000000 + i)), mood("bulk " + i));
        }
        InMemoryFirehose.Subscription sub = firehose.subscribe(OptionalLong.empty());
        repo.applyWrites(ALICE, List.of(new RepoWrite.Delete(MOODS, RecordKey.parse("3kbulk1000100")),
                new RepoWrite.Create(MOODS, RecordKey.parse("3kbulk1000100x"), mood("new"))));
        FirehoseEvent.Commit c = (FirehoseEvent.Commit) drain(sub).get(0);
        assertThat(c.blocks().size()).isGreaterThan(3);
        VERIFIER.verify(c, firehose.key(ALICE));
        return c;
    }

    private static FirehoseEvent.Commit withBlocks(FirehoseEvent.Commit c, Cid commit, Map<Cid, byte[]> blocks) {
        return new FirehoseEvent.Commit(c.seq(), c.repo(), commit, c.rev(), c.since(), Car.of(List.of(commit), blocks),
                c.ops(), c.blobs(), c.time(), c.prevData(), c.rebase(), c.tooBig());
    }

    private static Map<Cid, byte[]> blocksOf(FirehoseEvent.Commit c) {
        Map<Cid, byte[]> blocks = new LinkedHashMap<>();
        c.blocks().cids().forEach(cid -> blocks.put(cid, c.blocks().block(cid).orElseThrow()));
        return blocks;
    }

    /** Re-signs nothing: rewrites the commit block's fields, which breaks or keeps the signature as the test needs. */
    private static FirehoseEvent.Commit withCommitBlock(FirehoseEvent.Commit c,
            UnaryOperator<Map<String, Object>> change) {
        Map<Cid, byte[]> blocks = blocksOf(c);
        @SuppressWarnings("unchecked")
        Map<String, Object> commit = new LinkedHashMap<>((Map<String, Object>) DagCbor.decode(blocks.remove(c.commit())));
        byte[] bytes = DagCbor.encode(change.apply(commit));
        Cid cid = Cid.forDagCbor(bytes);
        Map<Cid, byte[]> out = new LinkedHashMap<>();
        out.put(cid, bytes);
        out.putAll(blocks);
        return withBlocks(c, cid, out);
    }

    private static void assertRejected(FirehoseEvent.Commit c, DidKey key, VerificationException.Reason reason) {
        assertThatThrownBy(() -> VERIFIER.verify(c, key)).isInstanceOfSatisfying(VerificationException.class,
                e -> assertThat(e.reason()).as(e.getMessage()).isEqualTo(reason));
    }

    @Test
    void anotherKeysSignatureIsRejected() throws Exception {
        FirehoseEvent.Commit c = aCommitWithADeepProof();
        assertRejected(c, JdkP256.generate().publicKey(), VerificationException.Reason.BAD_SIGNATURE);
    }

    @Test
    void aHighSVariantOfTheValidSignatureIsRejected() throws Exception {
        FirehoseEvent.Commit c = aCommitWithADeepProof();
        java.math.BigInteger n = new java.math.BigInteger(
                "FFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551", 16);
        FirehoseEvent.Commit highS = withCommitBlock(c, m -> {
            byte[] sig = ((byte[]) m.get("sig")).clone();
            java.math.BigInteger s = new java.math.BigInteger(1, java.util.Arrays.copyOfRange(sig, 32, 64));
            byte[] flipped = n.subtract(s).toByteArray();
            java.util.Arrays.fill(sig, 32, 64, (byte) 0);
            int len = Math.min(32, flipped.length);
            System.arraycopy(flipped, flipped.length - len, sig, 64 - len, len);
            m.put("sig", sig);
            return m;
        });
        // (r, n - s) is a valid ECDSA signature, so only the low-S rule rejects it
        assertRejected(highS, firehose.key(ALICE), VerificationException.Reason.BAD_SIGNATURE);
    }

    @Test
    void anAlteredCommitIsRejected() throws Exception {
        FirehoseEvent.Commit c = aCommitWithADeepProof();
        FirehoseEvent.Commit otherData = withCommitBlock(c, m -> {
            m.put("data", DagCbor.cidOf("not the root"));
            return m;
        });
        assertRejected(otherData, firehose.key(ALICE), VerificationException.Reason.BAD_SIGNATURE);
        FirehoseEvent.Commit otherRepo = new FirehoseEvent.Commit(c.seq(), Did.parse("did:plc:mallory00000000000000000"),
                c.commit(), c.rev(), c.since(), c.blocks(), c.ops(), c.blobs(), c.time(), c.prevData(), false, false);
        assertRejected(otherRepo, firehose.key(ALICE), VerificationException.Reason.COMMIT_MISMATCH);
    }

    @Test
    void aWrongPrevDataIsAGap() throws Exception {
        FirehoseEvent.Commit c = aCommitWithADeepProof();
        FirehoseEvent.Commit gap = new FirehoseEvent.Commit(c.seq(), c.repo(), c.commit(), c.rev(), c.since(),
                c.blocks(), c.ops(), c.blobs(), c.time(), Optional.of(DagCbor.cidOf("elsewhere")), false, false);
        assertRejected(gap, firehose.key(ALICE), VerificationException.Reason.PREV_DATA_MISMATCH);
    }

    @Test
    void opsThatLieAboutTheChangeAreRejected() throws Exception {
        FirehoseEvent.Commit c = aCommitWithADeepProof();
        List<RepoOp> lying = new ArrayList<>(c.ops());
        RepoOp create = lying.stream().filter(o -> o.action() == RepoOp.Action.CREATE).findFirst().orElseThrow();
        Map<Cid, byte[]> blocks = blocksOf(c);
        byte[] other = DagCbor.encode(mood("a lie"));
        blocks.put(Cid.forDagCbor(other), other);
        lying.set(lying.indexOf(create), new RepoOp(RepoOp.Action.CREATE, create.path(),
                Optional.of(Cid.forDagCbor(other)), Optional.empty()));
        FirehoseEvent.Commit lie = new FirehoseEvent.Commit(c.seq(), c.repo(), c.commit(), c.rev(), c.since(),
                Car.of(List.of(c.commit()), blocks), lying, c.blobs(), c.time(), c.prevData(), false, false);
        assertRejected(lie, firehose.key(ALICE), VerificationException.Reason.OP_MISMATCH);
        // hiding an op: the inversion no longer reaches prevData
        FirehoseEvent.Commit hidden = new FirehoseEvent.Commit(c.seq(), c.repo(), c.commit(), c.rev(), c.since(),
                c.blocks(), List.of(create), c.blobs(), c.time(), c.prevData(), false, false);
        assertRejected(hidden, firehose.key(ALICE), VerificationException.Reason.PREV_DATA_MISMATCH);
    }

    @Test
    void missingBlocksAreAnIncompleteProof() throws Exception {
        FirehoseEvent.Commit c = aCommitWithADeepProof();
        RepoOp create = c.ops().stream().filter(o -> o.action() == RepoOp.Action.CREATE).findFirst().orElseThrow();
        Map<Cid, byte[]> noRecord = blocksOf(c);
        noRecord.remove(create.cid().orElseThrow());
        assertRejected(withBlocks(c, c.commit(), noRecord), firehose.key(ALICE),
                VerificationException.Reason.PROOF_INCOMPLETE);
        Map<Cid, byte[]> noCommit = blocksOf(c);
        noCommit.remove(c.commit());
        assertRejected(withBlocks(c, c.commit(), noCommit), firehose.key(ALICE),
                VerificationException.Reason.PROOF_INCOMPLETE);
        // leaving out any MST node is incomplete (the proof is minimal for this change)
        SignedCommit commit = SignedCommit.decode(c.blocks().block(c.commit()).orElseThrow());
        Map<Cid, byte[]> noRoot = blocksOf(c);
        noRoot.remove(commit.data());
        assertRejected(withBlocks(c, c.commit(), noRoot), firehose.key(ALICE),
                VerificationException.Reason.PROOF_INCOMPLETE);
        FirehoseEvent.Commit tooBig = new FirehoseEvent.Commit(c.seq(), c.repo(), c.commit(), c.rev(), c.since(),
                c.blocks(), c.ops(), c.blobs(), c.time(), c.prevData(), false, true);
        assertRejected(tooBig, firehose.key(ALICE), VerificationException.Reason.PROOF_INCOMPLETE);
    }

    @Test
    void aCorruptedBlockInTheFrameIsMalformed() throws Exception {
        FirehoseEvent.Commit c = aCommitWithADeepProof();
        byte[] frame = FrameCodec.encode(c);
        // flip one byte inside the last block of the CAR slice: its hash no longer matches
        byte[] corrupted = frame.clone();
        int at = indexOf(corrupted, "bulk".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        if (at < 0) {
            at = indexOf(corrupted, "new".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        }
        corrupted[at] ^= 0x20;
        assertThatThrownBy(() -> FrameCodec.decode(corrupted)).isInstanceOf(MalformedEventException.class)
                .hasMessageContaining("does not hash to its CID");
        assertThat(FrameCodec.decode(frame)).isInstanceOf(FirehoseEvent.Commit.class);
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = haystack.length - needle.length; i >= 0; i--) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    // ---- the subscription's cursor rules ------------------------------------------------------

    @Test
    void cursorRulesFollowThePds() throws Exception {
        repo.putRecord(ALICE, MOODS, RecordKey.parse("3kaaaaaaaaaa2"), mood("one"), SwapRecord.any());
        repo.putRecord(ALICE, MOODS, RecordKey.parse("3kaaaaaaaaaa2"), mood("two"), SwapRecord.any());
        long seq = firehose.currentSeq();
        assertThat(seq).isEqualTo(3); // #sync, #commit, #commit

        InMemoryFirehose.Subscription future = firehose.subscribe(OptionalLong.of(seq + 1));
        assertThat(drain(future)).singleElement().isEqualTo(new FirehoseEvent.ErrorFrame("FutureCursor",
                Optional.of("Cursor in the future.")));
        assertThat(future.isClosed()).isTrue();

        InMemoryFirehose.Subscription live = firehose.subscribe(OptionalLong.empty());
        assertThat(drain(live)).isEmpty();
        InMemoryFirehose.Subscription replay = firehose.subscribe(OptionalLong.of(1));
        assertThat(drain(replay)).extracting(e -> e.sequence().getAsLong()).containsExactly(2L, 3L);

        firehose.forgetThrough(2);
        InMemoryFirehose.Subscription outdated = firehose.subscribe(OptionalLong.of(1));
        List<FirehoseEvent> got = drain(outdated);
        assertThat(got.get(0)).isInstanceOfSatisfying(FirehoseEvent.Info.class,
                i -> assertThat(i.name()).isEqualTo(FirehoseEvent.Info.OUTDATED_CURSOR));
        assertThat(got.subList(1, got.size())).extracting(e -> e.sequence().getAsLong()).containsExactly(3L);
    }

    @Test
    void aSlowConsumerGetsConsumerTooSlowAndIsClosed() throws Exception {
        InMemoryFirehose small = InMemoryFirehose.create(java.time.Clock.systemUTC(), 3);
        InMemoryFirehose.Subscription sub = small.subscribe(OptionalLong.empty());
        for (int i = 0; i < 6; i++) {
            small.commit(ALICE, List.of(InMemoryFirehose.Write.put("computer.aesthetic.mood/k" + i, mood("m" + i))));
        }
        List<FirehoseEvent> got = drain(sub);
        assertThat(got).hasSize(4);
        assertThat(got.get(3)).isEqualTo(new FirehoseEvent.ErrorFrame("ConsumerTooSlow",
                Optional.of("Stream consumer too slow")));
        assertThat(sub.isClosed()).isTrue();
    }

    @Test
    void aDeletedAccountLeavesOnlyItsAccountEventOnReplay() throws Exception {
        repo.putRecord(ALICE, MOODS, RecordKey.parse("3kaaaaaaaaaa2"), mood("one"), SwapRecord.any());
        Did bob = Did.parse("did:plc:bob00000000000000000000");
        repo.putRecord(bob, MOODS, RecordKey.parse("3kaaaaaaaaaa2"), mood("bob"), SwapRecord.any());
        firehose.identity(ALICE, Optional.of("alice.test"));
        firehose.account(ALICE, false, Optional.of("deleted"));
        List<FirehoseEvent> replay = drain(firehose.subscribe(OptionalLong.of(0)));
        assertThat(replay).filteredOn(e -> !(e instanceof FirehoseEvent.Account)).allSatisfy(e -> assertThat(
                e instanceof FirehoseEvent.Commit c ? c.repo() : ((FirehoseEvent.Sync) e).did()).isEqualTo(bob));
        assertThat(replay.get(replay.size() - 1)).isInstanceOfSatisfying(FirehoseEvent.Account.class, a -> {
            assertThat(a.did()).isEqualTo(ALICE);
            assertThat(a.active()).isFalse();
            assertThat(a.status()).contains("deleted");
        });
    }
}
