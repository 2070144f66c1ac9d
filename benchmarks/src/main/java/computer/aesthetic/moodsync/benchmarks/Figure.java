package computer.aesthetic.moodsync.benchmarks;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One measured figure: the value of each run, summarised as median, min and max. Nothing is ever filled in by
 * hand: every value comes from a measurement in this process.
 */
final class Figure {
    final String group;
    final String name;
    final String unit;
    /** True when a larger value is better (throughput), false for times. */
    final boolean higherIsBetter;
    final List<Double> runs = new ArrayList<>();
    final Map<String, Object> details = new LinkedHashMap<>();

    Figure(String group, String name, String unit, boolean higherIsBetter) {
        this.group = Objects.requireNonNull(group);
        this.name = Objects.requireNonNull(name);
        this.unit = Objects.requireNonNull(unit);
        this.higherIsBetter = higherIsBetter;
    }

    Figure add(double value) {
        runs.add(value);
        return this;
    }

    Figure detail(String key, Object value) {
        details.put(key, value);
        return this;
    }

    /** The value of the latest run. */
    double last() {
        return runs.isEmpty() ? Double.NaN : runs.get(runs.size() - 1);
    }

    int count() {
        return runs.size();
    }

    double median() {
        return Stats.median(runs);
    }

    double min() {
        return runs.isEmpty() ? Double.NaN : Collections.min(runs);
    }

    double max() {
        return runs.isEmpty() ? Double.NaN : Collections.max(runs);
    }

    String key() {
        return group + "/" + name;
    }
}
