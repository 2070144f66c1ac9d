package computer.aesthetic.moodsync.benchmarks;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.results.BenchmarkResult;
import org.openjdk.jmh.results.IterationResult;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;
import org.openjdk.jmh.runner.options.VerboseMode;

/** Runs {@link MicroBenchmarks} with JMH; every measured iteration (of every fork) is one run of the figure. */
final class MicroBench {
    private MicroBench() {
    }

    static List<Figure> run(Bench.Settings s) throws RunnerException {
        int forks = s.quick ? 1 : 2;
        int warmups = s.quick ? 1 : 3;
        int iterations = s.quick ? 2 : 5;
        Options opts = new OptionsBuilder()
                .include(MicroBenchmarks.class.getName() + "\\.")
                .forks(forks)
                .warmupIterations(warmups)
                .warmupTime(TimeValue.seconds(1))
                .measurementIterations(iterations)
                .measurementTime(TimeValue.seconds(1))
                .timeUnit(TimeUnit.NANOSECONDS)
                .verbosity(VerboseMode.SILENT)
                .build();
        Bench.log("micro: JMH, %d fork(s) x (%d warm-up + %d measured) x 1 s per benchmark", forks, warmups,
                iterations);
        Collection<RunResult> results = new Runner(opts).run();
        List<Figure> out = new ArrayList<>();
        for (RunResult r : results) {
            String name = r.getParams().getBenchmark();
            name = name.substring(name.lastIndexOf('.') + 1);
            Figure f = new Figure("micro", label(name), "ns/op", false);
            for (BenchmarkResult b : r.getBenchmarkResults()) {
                for (IterationResult it : b.getIterationResults()) {
                    f.add(it.getPrimaryResult().getScore());
                }
            }
            f.detail("JMH score (mean ± error)", String.format("%.1f ± %.1f ns/op", r.getPrimaryResult().getScore(),
                    r.getPrimaryResult().getScoreError()));
            f.detail("forks x iterations", forks + " x " + iterations + " (1 s each, " + warmups + " warm-ups)");
            out.add(f);
        }
        return out;
    }

    private static String label(String method) {
        return switch (method) {
            case "tidClockNext" -> "TidClock.next()";
            case "rkeyFor" -> "MoodRecords.rkeyFor(id)";
            case "atUriParse" -> "AtUri.parse(record URI)";
            case "dagCborCidOf" -> "DagCbor.cidOf(mood record): DAG-CBOR + SHA-256 CID";
            default -> method;
        };
    }
}
