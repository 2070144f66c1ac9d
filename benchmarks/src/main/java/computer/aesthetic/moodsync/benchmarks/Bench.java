package computer.aesthetic.moodsync.benchmarks;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import tools.jackson.databind.SerializationFeature;
import tools.jackson.databind.json.JsonMapper;

/**
 * The benchmark harness: {@code Bench [all|migrate|reconcile|latency|latency-sizes|sustained|micro]... [--quick]
 * [--runs N] [--out DIR]}. Prints a
 * table of figures (median of the runs, with min and max) and the targets of issue 8, and writes the same as JSON
 * to {@code DIR/benchmarks.json} (default {@code benchmarks/target}). Nothing is hard-coded: every number is
 * measured in this process (the JMH figures in its forks).
 */
public final class Bench {
    /** Sizes and run counts; {@code --quick} shrinks them for a smoke test. */
    static final class Settings {
        final boolean quick;
        final int runs;
        final int migrateUsers;
        final int migrateMoods;
        final int baselineMoods;
        final int reconcileRecords;
        final int fakeRecords;
        final int fakeRuns;
        final int latencyRuns;
        final int latencyOps;
        final int inlineOps;

        Settings(boolean quick, int runsOverride) {
            this.quick = quick;
            runs = runsOverride > 0 ? runsOverride : quick ? 2 : 3;
            migrateUsers = quick ? 4 : 10;
            migrateMoods = quick ? 200 : 2000;
            baselineMoods = quick ? 12 : 50;
            reconcileRecords = quick ? 1000 : 10_000;
            fakeRecords = quick ? 10_000 : 100_000;
            fakeRuns = quick ? 2 : 3;
            latencyRuns = runsOverride > 0 ? runsOverride : quick ? 2 : 3;
            latencyOps = quick ? 60 : 300;
            inlineOps = quick ? 30 : 400;
        }
    }

    private Bench() {
    }

    private static final long STARTED = System.nanoTime();

    static void log(String format, Object... args) {
        System.err.printf(Locale.ROOT, "[bench %5.1f s] " + format + "%n",
                append(Stats.seconds(System.nanoTime() - STARTED), args));
    }

    private static Object[] append(Object first, Object[] rest) {
        Object[] all = new Object[rest.length + 1];
        all[0] = first;
        System.arraycopy(rest, 0, all, 1, rest.length);
        return all;
    }

    /**
     * Runs the benchmarks.
     *
     * @param args sub-commands and options
     * @throws Exception on failure
     */
    public static void main(String[] args) throws Exception {
        boolean quick = false;
        int runs = 0;
        Path out = Path.of("benchmarks", "target");
        List<String> what = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--quick" -> quick = true;
                case "--out" -> out = Path.of(args[++i]);
                case "--runs" -> runs = Integer.parseInt(args[++i]);
                case "all", "migrate", "reconcile", "latency", "latency-sizes", "sustained", "micro" -> what.add(args[i]);
                default -> {
                    System.err.println("usage: Bench [all|migrate|reconcile|latency|latency-sizes|sustained|micro]..."
                            + " [--quick] [--runs N] [--out DIR]");
                    System.exit(2);
                }
            }
        }
        if (what.isEmpty() || what.contains("all")) {
            what = List.of("migrate", "reconcile", "latency", "latency-sizes", "sustained", "micro");
        }
        Settings s = new Settings(quick, runs);
        Set<String> chosen = Set.copyOf(what);
        List<Figure> figures = new ArrayList<>();
        long t0 = System.nanoTime();
        String loadBefore = loadAverage();
        log("load average before: %s (1, 5, 15 min) on %d CPUs", loadBefore, Runtime.getRuntime().availableProcessors());
        try (Env env = new Env()) {
            if (chosen.contains("migrate")) {
                figures.addAll(new MigrateBench(env, s).run());
            }
            if (chosen.contains("reconcile")) {
                figures.addAll(new ReconcileBench(env, s).run());
            }
            if (chosen.contains("latency")) {
                figures.addAll(new LatencyBench(env, s).run());
            }
            if (chosen.contains("latency-sizes")) {
                figures.addAll(new LatencyBench(env, s).sized(1_000, "lat-1k"));
                figures.addAll(new LatencyBench(env, s).sized(s.quick ? 10_000 : 100_000, "lat-100k"));
            }
            if (chosen.contains("sustained")) {
                figures.addAll(new SustainedBench(env, s).run());
            }
        }
        if (chosen.contains("micro")) {
            figures.addAll(MicroBench.run(s));
        }
        double total = Stats.seconds(System.nanoTime() - t0);
        List<Target> targets = Target.evaluate(figures);
        String table = Report.table(figures, targets, s, total, loadBefore);
        System.out.println(table);
        Files.createDirectories(out);
        Path json = out.resolve("benchmarks.json");
        Path txt = out.resolve("benchmarks.txt");
        Files.writeString(txt, table);
        write(json, figures, targets, s, total, loadBefore);
        log("wrote %s and %s", json, txt);
    }

    private static void write(Path file, List<Figure> figures, List<Target> targets, Settings s, double total,
            String loadBefore) {
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("when", Instant.now().toString());
        root.put("quick", s.quick);
        root.put("totalSeconds", total);
        root.put("machine", machine());
        root.put("loadAverageAtStart", loadBefore);
        List<Object> fs = new ArrayList<>();
        for (Figure f : figures) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("group", f.group);
            m.put("name", f.name);
            m.put("unit", f.unit);
            m.put("median", f.median());
            m.put("min", f.min());
            m.put("max", f.max());
            m.put("runs", f.runs);
            m.put("details", f.details);
            fs.add(m);
        }
        root.put("figures", fs);
        List<Object> ts = new ArrayList<>();
        for (Target t : targets) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("target", t.name());
            m.put("value", t.value());
            m.put("limit", t.limit());
            m.put("atLeast", t.atLeast());
            m.put("met", t.met());
            ts.add(m);
        }
        root.put("targets", ts);
        try {
            Files.writeString(file, JsonMapper.builder().enable(SerializationFeature.INDENT_OUTPUT).build()
                    .writeValueAsString(root));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The 1, 5 and 15 minute load averages (other processes compete for the CPUs). */
    static String loadAverage() {
        try {
            String[] parts = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
            return parts[0] + " " + parts[1] + " " + parts[2];
        } catch (IOException | RuntimeException e) {
            double l = ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
            return l < 0 ? "unknown" : String.format(Locale.ROOT, "%.2f", l);
        }
    }

    static Map<String, Object> machine() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("cpus", Runtime.getRuntime().availableProcessors());
        m.put("maxHeapMB", Runtime.getRuntime().maxMemory() / (1024 * 1024));
        m.put("java", System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version"));
        m.put("os", System.getProperty("os.name") + " " + System.getProperty("os.version") + " "
                + System.getProperty("os.arch"));
        m.put("jvmArgs", ManagementFactory.getRuntimeMXBean().getInputArguments());
        m.put("loadAverage", loadAverage());
        return m;
    }
}
