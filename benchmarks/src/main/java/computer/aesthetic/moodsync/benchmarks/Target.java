package computer.aesthetic.moodsync.benchmarks;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A target of issue 8, computed from the medians of two figures.
 *
 * @param name what is compared, and the limit
 * @param value the measured ratio
 * @param limit the limit
 * @param atLeast true when the value must be at least the limit, false when at most
 */
record Target(String name, double value, double limit, boolean atLeast) {
    boolean met() {
        return atLeast ? value >= limit : value <= limit;
    }

    static List<Target> evaluate(List<Figure> figures) {
        List<Target> out = new ArrayList<>();
        ratio(figures, "migrate", "migrate (", "migrate", "origin-style baseline").ifPresent(r ->
                out.add(new Target("migrate / origin-style baseline (throughput)", r, 20, true)));
        ratio(figures, "migrate", "migrate (", "migrate", "raw ceiling").ifPresent(r ->
                out.add(new Target("migrate / raw ceiling (throughput)", r, 0.70, true)));
        paired(figures, "migrate", "migrate (", "migrate", "raw migration").ifPresent(r ->
                out.add(new Target("migrate / raw migration (throughput, per-run pairs)", r, 0.80, true)));
        ratio(figures, "reconcile", "reconcile 1 user", "reconcile", "floor").ifPresent(r ->
                out.add(new Target("reconcile / raw listing floor (time, real PDS)", r, 2.0, false)));
        find(figures, "reconcile", "heap growth").ifPresent(f ->
                out.add(new Target("reconcile on fakes: heap growth, report kept (MB)", f.median(), 64, false)));
        find(figures, "reconcile", "live heap growth mid-reconcile").ifPresent(f ->
                out.add(new Target("reconcile on fakes: live heap growth mid-reconcile (MB)", f.median(), 64,
                        false)));
        ratio(figures, "latency", "post QUEUED p50", "latency", "plain insertOne p50").ifPresent(r ->
                out.add(new Target("post QUEUED / plain insertOne (p50)", r, 1.2, false)));
        ratio(figures, "latency", "post QUEUED p99", "latency", "plain insertOne p99").ifPresent(r ->
                out.add(new Target("post QUEUED / plain insertOne (p99)", r, 1.2, false)));
        // The floor of a post fenced against a racing erasure (the insert, then one read), done raw: see BENCHMARKS.md.
        paired(figures, "latency", "post QUEUED p50", "latency", "raw insertOne + fence read p50").ifPresent(r ->
                out.add(new Target("post QUEUED / raw insertOne + fence read (p50, per-run pairs)", r, 1.2, false)));
        paired(figures, "latency", "post QUEUED p99", "latency", "raw insertOne + fence read p99").ifPresent(r ->
                out.add(new Target("post QUEUED / raw insertOne + fence read (p99, per-run pairs)", r, 1.2, false)));
        ratio(figures, "latency", "post INLINE p50", "latency", "raw insert+putRecord+update p50").ifPresent(r ->
                out.add(new Target("post INLINE / raw insert+putRecord+update (p50)", r, 1.1, false)));
        ratio(figures, "latency", "post INLINE p99", "latency", "raw insert+putRecord+update p99").ifPresent(r ->
                out.add(new Target("post INLINE / raw insert+putRecord+update (p99)", r, 1.1, false)));
        paired(figures, "latency", "post INLINE p50", "latency", "raw insert+putRecord+update by {_id,token} p50")
                .ifPresent(r -> out.add(new Target("post INLINE / raw by {_id,token} (p50, per-run pairs)", r, 1.1,
                        false)));
        paired(figures, "latency", "post INLINE p99", "latency", "raw insert+putRecord+update by {_id,token} p99")
                .ifPresent(r -> out.add(new Target("post INLINE / raw by {_id,token} (p99, per-run pairs)", r, 1.1,
                        false)));
        ratio(figures, "latency", "post INLINE, PDS down, circuit open p99", "latency", "plain insertOne p99")
                .ifPresent(r -> out.add(new Target("post INLINE with PDS down p99 / plain insertOne p99", r, 2.0,
                        false)));
        return out;
    }

    private static Optional<Double> ratio(List<Figure> figures, String g1, String n1, String g2, String n2) {
        Optional<Figure> a = find(figures, g1, n1);
        Optional<Figure> b = find(figures, g2, n2);
        if (a.isEmpty() || b.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(a.get().median() / b.get().median());
    }

    /**
     * The median of the run-by-run ratios of two figures measured side by side (run i of one next to run i of the
     * other), which cancels most of a shared machine's drift; the ratio of the medians when the counts differ.
     */
    static Optional<Double> paired(List<Figure> figures, String g1, String n1, String g2, String n2) {
        Optional<Figure> a = find(figures, g1, n1);
        Optional<Figure> b = find(figures, g2, n2);
        if (a.isEmpty() || b.isEmpty()) {
            return Optional.empty();
        }
        if (a.get().count() != b.get().count() || a.get().count() == 0) {
            return Optional.of(a.get().median() / b.get().median());
        }
        List<Double> ratios = new ArrayList<>();
        for (int i = 0; i < a.get().count(); i++) {
            ratios.add(a.get().runs.get(i) / b.get().runs.get(i));
        }
        return Optional.of(Stats.median(ratios));
    }

    static Optional<Figure> find(List<Figure> figures, String group, String namePrefix) {
        return figures.stream().filter(f -> f.group.equals(group) && f.name.startsWith(namePrefix)).findFirst();
    }
}
