package computer.aesthetic.moodsync.benchmarks;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** Small statistics helpers. */
final class Stats {
    private Stats() {
    }

    static double median(List<Double> values) {
        return percentile(values, 50);
    }

    /** Nearest-rank percentile (p in 0..100) of the values; NaN when empty. */
    static double percentile(List<Double> values, double p) {
        if (values.isEmpty()) {
            return Double.NaN;
        }
        List<Double> sorted = new ArrayList<>(values);
        Collections.sort(sorted);
        if (p == 50 && sorted.size() % 2 == 0) {
            int n = sorted.size();
            return (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
        }
        int rank = (int) Math.ceil(p / 100.0 * sorted.size());
        return sorted.get(Math.max(0, Math.min(sorted.size() - 1, rank - 1)));
    }

    static double millis(long nanos) {
        return nanos / 1_000_000.0;
    }

    static double seconds(long nanos) {
        return nanos / 1_000_000_000.0;
    }
}
