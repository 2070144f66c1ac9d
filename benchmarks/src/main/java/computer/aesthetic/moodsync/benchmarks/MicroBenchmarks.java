package computer.aesthetic.moodsync.benchmarks;

import computer.aesthetic.moodsync.MoodId;
import computer.aesthetic.moodsync.data.Cid;
import computer.aesthetic.moodsync.data.DagCbor;
import computer.aesthetic.moodsync.record.MoodRecords;
import computer.aesthetic.moodsync.syntax.AtUri;
import computer.aesthetic.moodsync.syntax.RecordKey;
import computer.aesthetic.moodsync.syntax.Tid;
import computer.aesthetic.moodsync.syntax.TidClock;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/** 4. JMH micro-benchmarks of the hot pure functions. Run through {@link MicroBench}. */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class MicroBenchmarks {
    private TidClock clock;
    private MoodId id;
    private String uri;
    private Map<String, Object> record;

    /** Prepares the inputs. */
    @Setup
    public void setUp() {
        clock = TidClock.create();
        id = MoodId.parse("68e7a6b0c3f1a2b4c5d6e7f8");
        uri = "at://did:plc:ewvi7nxzyoun6zhxrhs64oiz/computer.aesthetic.mood/3m2x7kq4lxs2a";
        record = MoodRecords.toRecord(id, "feeling calm and grateful today, the sun is out", Instant
                .parse("2025-10-09T12:00:00.123Z"));
    }

    /**
     * A fresh TID.
     *
     * @return the TID
     */
    @Benchmark
    public Tid tidClockNext() {
        return clock.next();
    }

    /**
     * The record key of a mood.
     *
     * @return the key
     */
    @Benchmark
    public RecordKey rkeyFor() {
        return MoodRecords.rkeyFor(id);
    }

    /**
     * Parsing a record's AT-URI.
     *
     * @return the URI
     */
    @Benchmark
    public AtUri atUriParse() {
        return AtUri.parse(uri);
    }

    /**
     * DAG-CBOR encoding and CID of a mood record.
     *
     * @return the CID
     */
    @Benchmark
    public Cid dagCborCidOf() {
        return DagCbor.cidOf(record);
    }
}
