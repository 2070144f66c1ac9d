package computer.aesthetic.moodsync.benchmarks;

import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Formats the table. */
final class Report {
    private Report() {
    }

    static String table(List<Figure> figures, List<Target> targets, Bench.Settings s, double totalSeconds,
            String loadBefore) {
        StringBuilder b = new StringBuilder();
        Map<String, Object> machine = Bench.machine();
        b.append(String.format(Locale.ROOT, "mood-sync benchmarks%s: %s CPUs, %s, max heap %s MB; total %.0f s;"
                + " load average %s at start, %s at end%n", s.quick ? " (--quick)" : "", machine.get("cpus"),
                machine.get("java"), machine.get("maxHeapMB"), totalSeconds, loadBefore, machine.get("loadAverage")));
        b.append(String.format(Locale.ROOT, "%n| %-10s | %-58s | %12s | %12s | %12s | %-8s | %4s |%n", "group",
                "figure", "median", "min", "max", "unit", "runs"));
        b.append("|").append("-".repeat(12)).append("|").append("-".repeat(60)).append("|")
                .append("-".repeat(14)).append("|").append("-".repeat(14)).append("|").append("-".repeat(14))
                .append("|").append("-".repeat(10)).append("|").append("-".repeat(6)).append("|\n");
        for (Figure f : figures) {
            b.append(String.format(Locale.ROOT, "| %-10s | %-58s | %12s | %12s | %12s | %-8s | %4d |%n", f.group,
                    f.name, num(f.median()), num(f.min()), num(f.max()), f.unit, f.count()));
        }
        b.append(String.format(Locale.ROOT, "%n| %-62s | %10s | %10s | %-6s |%n", "target (medians)", "measured",
                "limit", "met"));
        b.append("|").append("-".repeat(64)).append("|").append("-".repeat(12)).append("|").append("-".repeat(12))
                .append("|").append("-".repeat(8)).append("|\n");
        for (Target t : targets) {
            b.append(String.format(Locale.ROOT, "| %-62s | %10s | %10s | %-6s |%n", t.name(), num(t.value()),
                    (t.atLeast() ? ">= " : "<= ") + num(t.limit()), t.met() ? "yes" : "NO"));
        }
        b.append("\nDetails:\n");
        for (Figure f : figures) {
            if (f.details.isEmpty()) {
                continue;
            }
            b.append("  ").append(f.key()).append('\n');
            f.details.forEach((k, v) -> {
                if (v instanceof Map<?, ?> m) {
                    b.append("    ").append(k).append(":\n");
                    m.forEach((k2, v2) -> b.append("      ").append(k2).append(": ").append(v2).append('\n'));
                } else {
                    b.append("    ").append(k).append(": ").append(v).append('\n');
                }
            });
        }
        return b.toString();
    }

    static String num(double v) {
        if (Double.isNaN(v)) {
            return "-";
        }
        double a = Math.abs(v);
        if (a >= 1000) {
            return String.format(Locale.ROOT, "%,.0f", v);
        }
        if (a >= 10) {
            return String.format(Locale.ROOT, "%.1f", v);
        }
        if (a >= 0.1) {
            return String.format(Locale.ROOT, "%.2f", v);
        }
        return String.format(Locale.ROOT, "%.4f", v);
    }
}
