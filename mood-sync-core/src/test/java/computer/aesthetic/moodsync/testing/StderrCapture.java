package computer.aesthetic.moodsync.testing;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/**
 * Captures what an action writes to {@code System.err} (where the default logging goes), for tests that check what
 * is logged. Published in the core test-jar.
 */
public final class StderrCapture {
    private StderrCapture() {
    }

    /**
     * Runs the action with {@code System.err} captured, then writes the captured text to the real stderr too, so the
     * test's output still shows it.
     *
     * @param action what to run
     * @return what the action wrote to {@code System.err}
     */
    public static String capture(Runnable action) {
        PrintStream original = System.err;
        ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        System.setErr(new PrintStream(buffer, true, StandardCharsets.UTF_8));
        try {
            action.run();
        } finally {
            System.setErr(original);
        }
        String captured = buffer.toString(StandardCharsets.UTF_8);
        original.print(captured);
        return captured;
    }
}
