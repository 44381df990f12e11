package org.specula.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

/**
 * Only the simd packages (the kernels', the sampler's row exp, bench's FMA probe) may use jdk.incubator.vector, and their classes
 * that do are loaded by name, so a JVM without the module never links against it.
 */
class ArchitectureTest {
    private static final Pattern INCUBATOR = Pattern.compile(
            "^\\s*import\\s+(static\\s+)?jdk\\.incubator\\.vector\\b|\\bjdk\\.incubator\\.vector\\.[A-Z]",
            Pattern.MULTILINE);
    private static final List<String> SIMD_PACKAGES = List.of("org/specula/tensor/simd/", "org/specula/sampling/simd/",
            "org/specula/cli/simd/");

    static Path projectRoot() throws IOException {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            Path pom = dir.resolve("pom.xml");
            if (Files.isRegularFile(pom) && Files.readString(pom).contains("<module>tensor</module>")) {
                return dir;
            }
        }
        throw new IllegalStateException("no parent pom with <module>tensor</module> above " + Path.of("").toAbsolutePath());
    }

    @Test
    void onlyTheSimdPackageImportsTheIncubatorModule() throws IOException {
        Path root = projectRoot();
        List<Path> sourceRoots;
        try (Stream<Path> modules = Files.list(root)) {
            sourceRoots = modules.map(m -> m.resolve("src/main/java")).filter(Files::isDirectory).toList();
        }
        assertTrue(sourceRoots.stream().anyMatch(p -> p.startsWith(root.resolve("tensor"))),
                "tensor/src/main/java not found under " + root);
        List<String> offenders = new ArrayList<>();
        int[] simdFiles = new int[SIMD_PACKAGES.size()];
        for (Path sourceRoot : sourceRoots) {
            List<Path> files;
            try (Stream<Path> walk = Files.walk(sourceRoot)) {
                files = walk.filter(f -> f.toString().endsWith(".java")).toList();
            }
            for (Path file : files) {
                String relative = sourceRoot.relativize(file).toString().replace('\\', '/');
                boolean uses = INCUBATOR.matcher(read(file)).find();
                int simd = simdPackage(relative);
                if (simd >= 0) {
                    simdFiles[simd] += uses ? 1 : 0;
                } else if (uses) {
                    offenders.add(root.relativize(file).toString());
                }
            }
        }
        assertEquals(List.of(), offenders, "jdk.incubator.vector used outside " + SIMD_PACKAGES);
        for (int p = 0; p < SIMD_PACKAGES.size(); p++) {
            assertTrue(simdFiles[p] > 0, "the pattern found no use even in " + SIMD_PACKAGES.get(p)
                    + "; is the test still working?");
        }
    }

    /** No main source file over 800 lines (issue 17): a kernel family per file, generated variants split by dtype. */
    @Test
    void noMainSourceFileIsLongerThan800Lines() throws IOException {
        Path root = projectRoot();
        List<String> tooLong = new ArrayList<>();
        try (Stream<Path> modules = Files.list(root)) {
            for (Path sourceRoot : modules.map(m -> m.resolve("src/main/java")).filter(Files::isDirectory).toList()) {
                try (Stream<Path> walk = Files.walk(sourceRoot)) {
                    for (Path f : walk.filter(f -> f.toString().endsWith(".java")).toList()) {
                        long lines = read(f).lines().count();
                        if (lines > 800) {
                            tooLong.add(root.relativize(f) + " (" + lines + " lines)");
                        }
                    }
                }
            }
        }
        assertEquals(List.of(), tooLong, "split these files by what they do");
    }

    private static int simdPackage(String relative) {
        for (int p = 0; p < SIMD_PACKAGES.size(); p++) {
            if (relative.startsWith(SIMD_PACKAGES.get(p))) return p;
        }
        return -1;
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
