package org.specula.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
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
    /** A top-level public type declaration, its name in group 1. */
    private static final Pattern PUBLIC_TYPE = Pattern.compile(
            "^public\\s+(?:(?:final|abstract|sealed|non-sealed|static|strictfp)\\s+)*"
                    + "(?:class|interface|record|enum|@interface)\\s+(\\w+)", Pattern.MULTILINE);
    /** A type a package-info lists as an item: {@code <li>{@link Name}}, the name in group 1. */
    private static final Pattern LISTED_TYPE = Pattern.compile("<li>\\{@link\\s+(\\w+)\\}");
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

    /**
     * The sampling module's public types are exactly those its package-info files list (issue 18), and no other
     * module uses its internal simd package.
     */
    @Test
    void samplingsPublicTypesAreTheApiItsPackageInfoStates() throws IOException {
        Path root = projectRoot();
        Path sourceRoot = root.resolve("sampling/src/main/java");
        Set<String> stated = new TreeSet<>();
        Set<String> actual = new TreeSet<>();
        try (Stream<Path> walk = Files.walk(sourceRoot)) {
            for (Path f : walk.filter(f -> f.toString().endsWith(".java")).toList()) {
                String pkg = sourceRoot.relativize(f.getParent()).toString().replace('\\', '/').replace('/', '.');
                Matcher m = (f.endsWith("package-info.java") ? LISTED_TYPE : PUBLIC_TYPE).matcher(read(f));
                Set<String> into = f.endsWith("package-info.java") ? stated : actual;
                while (m.find()) {
                    into.add(pkg + "." + m.group(1));
                }
            }
        }
        assertTrue(stated.contains("org.specula.sampling.Sampler"), "no API list found in sampling's package-info");
        assertEquals(stated, actual, "sampling's public types against the lists in its package-info files");

        List<String> users = new ArrayList<>();
        try (Stream<Path> modules = Files.list(root)) {
            for (Path module : modules.filter(m -> !m.endsWith("sampling")).toList()) {
                for (Path src : List.of(module.resolve("src/main/java"), module.resolve("src/test/java"))) {
                    if (!Files.isDirectory(src)) {
                        continue;
                    }
                    try (Stream<Path> walk = Files.walk(src)) {
                        walk.filter(f -> f.toString().endsWith(".java") && !f.endsWith("ArchitectureTest.java"))
                                .filter(f -> read(f).contains("org.specula.sampling.simd"))
                                .forEach(f -> users.add(root.relativize(f).toString()));
                    }
                }
            }
        }
        assertEquals(List.of(), users, "org.specula.sampling.simd is internal to the sampling module");
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
