package computer.aesthetic.moodsync.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.MalformedInputException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * A merge once left conflict markers in docs/ARCHITECTURE.md and nothing noticed: the compiler never reads
 * Markdown. This test reads every text file the project keeps and fails on a line that opens or closes a conflict.
 */
class ConflictMarkerTest {
    private static final Set<String> SKIPPED_DIRS = Set.of(".git", "target", "node_modules");
    private static final List<String> TEXT_SUFFIXES =
            List.of(".md", ".java", ".jsh", ".xml", ".sh", ".js", ".json", ".properties", ".yml");

    private static Path root() {
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null && !Files.exists(dir.resolve("LICENSE"))) {
            dir = dir.getParent();
        }
        if (dir == null) {
            throw new IllegalStateException("the project root (LICENSE) not found above " + Path.of("").toAbsolutePath());
        }
        return dir;
    }

    @Test
    void noFileHoldsAMergeConflict() throws IOException {
        Path root = root();
        List<String> found = new ArrayList<>();
        int[] files = {0};
        Files.walkFileTree(root, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) {
                return SKIPPED_DIRS.contains(dir.getFileName().toString()) ? FileVisitResult.SKIP_SUBTREE
                        : FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                String name = file.getFileName().toString();
                if (TEXT_SUFFIXES.stream().noneMatch(name::endsWith)) {
                    return FileVisitResult.CONTINUE;
                }
                files[0]++;
                List<String> lines;
                try {
                    lines = Files.readAllLines(file);
                } catch (MalformedInputException e) {
                    return FileVisitResult.CONTINUE; // not UTF-8 text: not ours to judge
                }
                for (int i = 0; i < lines.size(); i++) {
                    String line = lines.get(i);
                    if (line.startsWith("<<<<<<<") || line.startsWith(">>>>>>>")) {
                        found.add(root.relativize(file) + ":" + (i + 1) + ": " + line);
                    }
                }
                return FileVisitResult.CONTINUE;
            }
        });
        assertThat(files[0]).as("text files read").isGreaterThan(100);
        assertThat(found).as("lines left by an unresolved merge").isEmpty();
    }
}
