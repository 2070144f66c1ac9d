package computer.aesthetic.moodsync.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The demo's edges, as a newcomer meets them. */
class DemoTest {
    /** What the demo printed, and its exit code. */
    record Run(int code, String out, String err, Duration took) {
    }

    private static synchronized Run run(String... args) {
        PrintStream out = System.out;
        PrintStream err = System.err;
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        ByteArrayOutputStream e = new ByteArrayOutputStream();
        long t0 = System.nanoTime();
        int code;
        try {
            System.setOut(new PrintStream(o, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(e, true, StandardCharsets.UTF_8));
            code = Demo.execute(args);
        } finally {
            System.setOut(out);
            System.setErr(err);
        }
        return new Run(code, o.toString(StandardCharsets.UTF_8), e.toString(StandardCharsets.UTF_8),
                Duration.ofNanos(System.nanoTime() - t0));
    }

    private static Path root() {
        Path dir = Path.of("").toAbsolutePath();
        while (!Files.exists(dir.resolve("demo"))) {
            dir = dir.getParent();
        }
        return dir;
    }

    /** The "KIND: n" lines of one step of the demo's output. */
    private static Map<String, Integer> counts(String out, String fromStep, String toStep) {
        String section = out.substring(out.indexOf("\n" + fromStep), out.indexOf("\n" + toStep));
        Map<String, Integer> counts = new LinkedHashMap<>();
        Matcher m = Pattern.compile("(?m)^\\s+([A-Z_]+):\\s+(\\d+)").matcher(section);
        while (m.find()) {
            counts.put(m.group(1), Integer.parseInt(m.group(2)));
        }
        return counts;
    }

    @Test
    void step4SaysWhatStep5sReportFinds() {
        Run run = run("--pds", "memory");

        assertThat(run.code()).as(run.err()).isZero();
        Map<String, Integer> announced = counts(run.out(), "4. ", "5. ");
        Map<String, Integer> reported = counts(run.out(), "5. ", "6. ");
        assertThat(announced).as("step 4's counts").isNotEmpty();
        assertThat(announced).as(run.out()).isEqualTo(reported);
        assertThat(run.out()).doesNotContainPattern("\\b1 [a-z ]*(items|moods|records|attempts|actions)\\b");
    }

    @Test
    void inStep7MongoDbFollowsAnotherClientsEditDeleteAndNewRecord() {
        Run run = run("--pds", "memory");

        assertThat(run.code()).as(run.err()).isZero();
        String step7 = run.out().substring(run.out().indexOf("\n7. "), run.out().indexOf("\n8. "));
        assertThat(step7).as(run.out()).contains("follower: EDITED").contains("follower: DELETED")
                .contains("follower: IMPORTED").contains("MongoDB followed in")
                .contains("the edit taken, the mood soft-deleted, the new record imported");
    }

    @Test
    void withTheInMemoryPdsTheCircuitOpensAfterTheFirstFailureAndLaterPostsDoNotCallThePds() {
        String out = run("--pds", "memory").out();
        List<String> step2 = out.substring(out.indexOf("\n2. "), out.indexOf("\n3. ")).lines()
                .filter(l -> l.contains("->")).toList();

        assertThat(step2).hasSize(4);
        assertThat(step2.get(0)).contains("tried: no answer; the client's circuit breaker opens for 3 s");
        assertThat(step2.subList(1, 4)).allSatisfy(l -> assertThat(l).contains("circuit open: the PDS was not called"));
    }

    @Test
    void anUnreachableMongoIsOneLineNamingTheUriWithinSeconds() {
        Run run = run("--pds", "memory", "--mongo", "mongodb://127.0.0.1:1/");

        assertThat(run.code()).isEqualTo(1);
        assertThat(run.took()).isLessThan(Duration.ofSeconds(15));
        assertThat(run.err().strip().lines().toList()).singleElement().asString()
                .contains("cannot reach MongoDB at mongodb://127.0.0.1:1/ within 5 s");
        assertThat(run.out() + run.err()).doesNotContain("\tat ").doesNotContain("Exception:");
    }

    @Test
    void helpIsInstantWithOneLinePerOptionAndEqualsTheDemosOwn() throws Exception {
        Process p = new ProcessBuilder("bash", "demo", "--help").directory(root().toFile()).redirectErrorStream(true)
                .start();
        assertThat(p.waitFor(5, TimeUnit.SECONDS)).as("no build before the help").isTrue();
        String help = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);

        assertThat(p.exitValue()).isZero();
        assertThat(help).isEqualTo(Demo.Options.usage() + "\n");
        for (String option : List.of("--pds reference", "--pds memory", "--pds URL", "--mongo URI", "--handle H",
                "--did DID", "--app-password P", "-h, --help")) {
            assertThat(help).contains("\n  " + option);
        }
        assertThat(help).contains("MOODSYNC_APP_PASSWORD", "default");
        assertThat(run("--help").out()).isEqualTo(help);
    }

    @Test
    void theReferencePdsIsInstalledInTheForegroundOnceAndNotAnnouncedWhenInstalled(@TempDir Path dir)
            throws IOException {
        Files.writeString(dir.resolve("package-lock.json"), "{}");
        Path npm = dir.resolve("fake-npm");
        Files.writeString(npm, "#!/usr/bin/env bash\necho \"npm progress: $*\"\nmkdir -p node_modules\n"
                + "echo {} > node_modules/.package-lock.json\n");
        Files.setPosixFilePermissions(npm, PosixFilePermissions.fromString("rwx------"));
        ByteArrayOutputStream first = new ByteArrayOutputStream();
        ByteArrayOutputStream second = new ByteArrayOutputStream();

        assertThat(Demo.ensureInstalled(dir, List.of(npm.toString(), "ci"), new PrintStream(first, true,
                StandardCharsets.UTF_8))).isTrue();
        assertThat(Demo.ensureInstalled(dir, List.of(npm.toString(), "ci"), new PrintStream(second, true,
                StandardCharsets.UTF_8))).isFalse();

        assertThat(first.toString(StandardCharsets.UTF_8)).contains("installing it first").contains("installed in");
        assertThat(second.toString(StandardCharsets.UTF_8)).isEmpty();
    }

    @Test
    void durationsReadAsPeopleSayThem() {
        assertThat(Demo.human(Duration.ofSeconds(3))).isEqualTo("3 s");
        assertThat(Demo.human(Duration.ofMillis(250))).isEqualTo("250 ms");
        assertThat(Demo.human(Duration.ofSeconds(125))).isEqualTo("2 min 5 s");
    }
}
