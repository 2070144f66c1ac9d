package computer.aesthetic.moodsync.benchmarks;

import computer.aesthetic.moodsync.pds.sync.BouncyCastleSignatureVerifier;
import computer.aesthetic.moodsync.sync.CommitVerifier;
import computer.aesthetic.moodsync.sync.DidKey;
import computer.aesthetic.moodsync.sync.FirehoseEvent;
import computer.aesthetic.moodsync.sync.FrameCodec;
import computer.aesthetic.moodsync.syntax.Did;
import computer.aesthetic.moodsync.testing.InMemoryFirehose;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * JMH: the cost of one {@code #commit} frame (one mood record created in a repository of 1,000 records): decoding
 * alone (CBOR, CAR, block hashes) against decoding plus verification (signature and MST inversion), with the
 * P-256 signatures of {@link InMemoryFirehose} checked by BouncyCastle. Run with
 * {@code java -cp <benchmarks class path> org.openjdk.jmh.Main FirehoseBenchmarks}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class FirehoseBenchmarks {
    private byte[] frame;
    private DidKey key;
    private CommitVerifier verifier;

    /** Builds a repository of 1,000 records and the frame of the next create. */
    @Setup
    public void setUp() {
        Did did = Did.parse("did:plc:ewvi7nxzyoun6zhxrhs64oiz");
        InMemoryFirehose hose = InMemoryFirehose.create();
        List<InMemoryFirehose.Write> writes = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            writes.add(InMemoryFirehose.Write.put("computer.aesthetic.mood/3m2x7kq4l" + (1000 + i),
                    Map.of("$type", "computer.aesthetic.mood", "mood", "mood number " + i,
                            "when", "2025-10-09T12:00:00.123Z")));
            if (writes.size() == 200) {
                hose.commit(did, writes);
                writes = new ArrayList<>();
            }
        }
        FirehoseEvent.Commit last = hose.commit(did, List.of(InMemoryFirehose.Write.put(
                "computer.aesthetic.mood/3m2x7kq4lzzzz", Map.of("$type", "computer.aesthetic.mood",
                        "mood", "feeling calm and grateful today", "when", "2025-10-09T12:00:00.123Z"))))
                .orElseThrow();
        frame = FrameCodec.encode(last);
        key = hose.key(did);
        verifier = CommitVerifier.of(BouncyCastleSignatureVerifier.create());
    }

    /**
     * Decoding a frame: CBOR header and body, the CAR slice and its block hashes.
     *
     * @return the event
     */
    @Benchmark
    public FirehoseEvent decode() {
        return FrameCodec.decode(frame);
    }

    /**
     * Decoding and verifying: signature plus MST inversion to prevData.
     *
     * @return the verified commit
     */
    @Benchmark
    public CommitVerifier.VerifiedCommit decodeAndVerify() {
        return verifier.verify((FirehoseEvent.Commit) FrameCodec.decode(frame), key);
    }
}
