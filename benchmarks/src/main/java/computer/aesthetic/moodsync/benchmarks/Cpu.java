package computer.aesthetic.moodsync.benchmarks;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * CPU time consumed, from {@code /proc/PID/stat} (user + system): of this JVM (the harness, the library and the
 * embedded MongoDB) and of its child processes (the reference PDS on Node). Unlike wall time, it hardly moves with
 * the machine's load, so it shows the work each side does on a shared machine. Linux only; 0 elsewhere.
 */
final class Cpu {
    /** Clock ticks per second of /proc/PID/stat (USER_HZ: 100 on Linux). */
    private static final double HZ = 100.0;

    private Cpu() {
    }

    /** {@code {jvm, children}} CPU seconds so far. */
    static double[] now() {
        double jvm = seconds(ProcessHandle.current().pid());
        double[] children = {0};
        ProcessHandle.current().descendants().forEach(p -> children[0] += seconds(p.pid()));
        return new double[] {jvm, children[0]};
    }

    private static double seconds(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            // after "pid (comm) ": state is f[0]; utime and stime are fields 14 and 15 of the line: f[11], f[12]
            return (Long.parseLong(f[11]) + Long.parseLong(f[12])) / HZ;
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }
}
