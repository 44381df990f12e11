package org.specula.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

/**
 * Only the simd packages (the kernels', the sampler's row kernels, bench's FMA probe) may use jdk.incubator.vector,
 * and their classes that do are loaded by name, so a JVM without the module never links against it; every module's
 * public types are the API its package-info states; main files stay short.
 */
class ArchitectureTest {
    private static final Pattern INCUBATOR = Pattern.compile(
            "^\\s*import\\s+(static\\s+)?jdk\\.incubator\\.vector\\b|\\bjdk\\.incubator\\.vector\\.[A-Z]",
            Pattern.MULTILINE);
    private static final List<String> SIMD_PACKAGES = List.of("org/specula/tensor/simd/", "org/specula/sampling/simd/",
            "org/specula/cli/simd/");

    /**
     * The public top-level types of each package of the modules checked, as its package-info.java states them (issue
     * 18): a type made public by accident, or a package with no stated API, fails the test.
     */
    private static final Map<String, List<String>> STATED_API = Map.ofEntries(
            Map.entry("org.specula.tensor", List.of("DType", "Kernels", "KernelsFactory", "KvLayer", "ScalarKernels",
                    "SpeculaException", "Tensor")),
            Map.entry("org.specula.tensor.simd", List.of("SimdKernels", "WarmUp")),
            Map.entry("org.specula.loader", List.of("Json", "JsonFields", "LlamaConfig", "ModelFolder",
                    "SafetensorsFile")),
            Map.entry("org.specula.loader.chat", List.of("ChatTemplate", "Message")),
            Map.entry("org.specula.loader.tokenizer", List.of("Tokenizer")),
            Map.entry("org.specula.model", List.of("ChainHead", "ForwardPass", "KvCache", "Llama", "MedusaHeads")),
            Map.entry("org.specula.sampling", List.of("Sampler", "SamplingParams", "Uniforms")),
            Map.entry("org.specula.sampling.simd", List.of("RowKernels")),
            Map.entry("org.specula.speculative", List.of("ChainScorer", "Draft", "DraftLength",
                    "DraftModelProposer", "DraftTree", "EagleProposer", "EarlyExitProposer", "Generation",
                    "MedusaProposer", "MtpProposer", "NgramProposer", "OracleProposer", "PlainDecoder", "Prefill",
                    "Proposer", "Residual", "Scorer", "SpecStats", "SpeculativeDecoder", "SpeculativeSampling",
                    "StopCondition", "TreeSampling", "TreeShape")),
            Map.entry("org.specula.cli", List.of("Main")),
            Map.entry("org.specula.cli.simd", List.of("FmaPeak")));
    private static final List<String> API_CHECKED_MODULES = List.of("tensor", "loader", "model", "sampling",
            "speculative", "cli");
    /** A top-level declaration starts in column 0 in this code base; nested types are indented. */
    private static final Pattern PUBLIC_TOP_LEVEL_TYPE = Pattern.compile(
            "^public\\s+(?:(?:final|abstract|sealed|non-sealed|strictfp)\\s+)*"
                    + "(?:class|interface|enum|record|@interface)\\s+(\\w+)", Pattern.MULTILINE);

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

    /**
     * No main source file over 500 lines (issue 18), 800 in the kernel layer (issue 17: a kernel family per file,
     * generated variants split by dtype).
     */
    @Test
    void noMainSourceFileIsLongerThanItsLimit() throws IOException {
        Path root = projectRoot();
        List<String> tooLong = new ArrayList<>();
        try (Stream<Path> modules = Files.list(root)) {
            for (Path sourceRoot : modules.map(m -> m.resolve("src/main/java")).filter(Files::isDirectory).toList()) {
                try (Stream<Path> walk = Files.walk(sourceRoot)) {
                    for (Path f : walk.filter(f -> f.toString().endsWith(".java")).toList()) {
                        long lines = read(f).lines().count();
                        // issue 18: 500 outside the kernel layer (the simd packages), whose generated tiles may
                        // take 800
                        long limit = f.toString().replace('\\', '/').contains("/simd/") ? 800 : 500;
                        if (lines > limit) {
                            tooLong.add(root.relativize(f) + " (" + lines + " lines)");
                        }
                    }
                }
            }
        }
        assertEquals(List.of(), tooLong, "split these files by what they do");
    }

    @Test
    void everyPublicTypeIsInItsPackagesStatedApi() throws IOException {
        Path root = projectRoot();
        Map<String, Path> packageDirs = new TreeMap<>();
        Map<String, TreeSet<String>> publicTypes = new TreeMap<>();
        for (String module : API_CHECKED_MODULES) {
            Path sourceRoot = root.resolve(module).resolve("src/main/java");
            try (Stream<Path> walk = Files.walk(sourceRoot)) {
                for (Path f : walk.filter(f -> f.toString().endsWith(".java")).toList()) {
                    String pkg = sourceRoot.relativize(f.getParent()).toString().replace('\\', '/').replace('/', '.');
                    packageDirs.put(pkg, f.getParent());
                    TreeSet<String> types = publicTypes.computeIfAbsent(pkg, k -> new TreeSet<>());
                    Matcher m = PUBLIC_TOP_LEVEL_TYPE.matcher(read(f));
                    while (m.find()) {
                        types.add(m.group(1));
                    }
                }
            }
        }
        assertTrue(packageDirs.keySet().containsAll(STATED_API.keySet()),
                "STATED_API names a package without sources: " + STATED_API.keySet() + " vs " + packageDirs.keySet());
        List<String> problems = new ArrayList<>();
        for (Map.Entry<String, TreeSet<String>> e : publicTypes.entrySet()) {
            List<String> stated = STATED_API.get(e.getKey());
            if (stated == null) {
                problems.add(e.getKey() + " has no stated API; add it to STATED_API and its package-info.java");
                continue;
            }
            if (!new TreeSet<>(stated).equals(e.getValue())) {
                problems.add(e.getKey() + " has the public types " + e.getValue() + " but states " + stated
                        + "; make the others package-private or state them");
            }
            Path info = packageDirs.get(e.getKey()).resolve("package-info.java");
            String doc = Files.isRegularFile(info) ? read(info) : "";
            for (String type : stated) {
                if (!doc.contains("{@link " + type + "}")) {
                    problems.add(root.relativize(info) + " does not name {@link " + type + "} in its API");
                }
            }
        }
        assertEquals(List.of(), problems);
    }

    /** No other module uses the sampling module's internal simd package (issue 18). */
    @Test
    void noOtherModuleUsesSamplingsSimdPackage() throws IOException {
        Path root = projectRoot();
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
