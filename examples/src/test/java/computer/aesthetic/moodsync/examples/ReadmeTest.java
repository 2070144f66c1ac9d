package computer.aesthetic.moodsync.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class ReadmeTest {
    private static Path root() {
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null && !Files.exists(dir.resolve("README.md"))) {
            dir = dir.getParent();
        }
        if (dir == null) {
            throw new IllegalStateException("README.md not found above " + Path.of("").toAbsolutePath());
        }
        return dir;
    }

    private static String dedent(List<String> lines) {
        int indent = lines.stream().filter(l -> !l.isBlank()).mapToInt(l -> l.length() - l.stripLeading().length())
                .min().orElse(0);
        return lines.stream().map(l -> l.length() >= indent ? l.substring(indent) : l.strip())
                .collect(Collectors.joining("\n"));
    }

    private static String quoted(String file) throws IOException {
        List<String> source = Files.readAllLines(root().resolve(file));
        int begin = source.indexOf(source.stream().filter(l -> l.contains("README-BEGIN")).findFirst().orElseThrow());
        int end = source.indexOf(source.stream().filter(l -> l.contains("README-END")).findFirst().orElseThrow());
        return dedent(source.subList(begin + 1, end));
    }

    @Test
    void readmeQuotesTheCompiledQuickStartExactly() throws IOException {
        String snippet = quoted("examples/src/main/java/computer/aesthetic/moodsync/examples/QuickStart.java");
        assertThat(snippet).as("a complete program: imports, a class, a main, no free variables")
                .contains("import computer.aesthetic.moodsync.MoodSyncService;", "public final class QuickStart",
                        "public static void main(String[] args)");
        assertThat(snippet.lines().count()).as("a quick start that fits on a screen").isBetween(20L, 45L);
        assertThat(Files.readString(root().resolve("README.md"))).contains(snippet);
    }

    @Test
    void readmeQuotesTheCompiledFakesExampleTestExactly() throws IOException {
        String snippet = quoted("examples/src/test/java/computer/aesthetic/moodsync/examples/FakesExampleTest.java");
        assertThat(snippet).contains("class FakesExampleTest", "syncNow()", "failNext", "pds.records(");
        assertThat(Files.readString(root().resolve("README.md"))).contains(snippet);
    }

    @Test
    void ciRunsTheReadmesTestCommand() throws IOException {
        String readme = Files.readString(root().resolve("README.md"));
        String ci = Files.readString(root().resolve(".ci/run"));
        String command = "mvn -B -ntp verify";
        assertThat(readme).contains(command);
        assertThat(ci).contains("exec " + command);
    }
}
