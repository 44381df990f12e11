package org.specula.cli;

import org.junit.jupiter.api.Test;
import org.specula.loader.Json;
import org.specula.testdata.Samples;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.specula.cli.CliTest.assertUserError;
import static org.specula.cli.CliTest.run;

/** Issue 26: the models inside the jar, byte-identical to ../shared's, reachable as builtin:NAME and by default. */
class BuiltinModelsTest {
    static final List<String> NAMES = List.of("stories260K", "stories260K-draft", "stories260K-eagle",
            "stories260K-medusa", "stories260K-mtp");

    @Test
    void theBuiltInModelsAreByteIdenticalToTheSharedCopies() throws IOException {
        assertEquals(NAMES, List.copyOf(BuiltinModels.names().keySet()));
        for (String name : NAMES) {
            Path shared = Samples.path("models/" + name);
            List<String> files;
            try (Stream<Path> list = Files.list(shared)) {
                files = list.map(p -> p.getFileName().toString()).sorted().toList();
            }
            assertEquals(files, BuiltinModels.files(name), name + ": the same files");
            Path builtin = BuiltinModels.folder(name);
            for (String file : files) {
                assertArrayEquals(Files.readAllBytes(shared.resolve(file)),
                        Files.readAllBytes(builtin.resolve(file)), name + "/" + file);
            }
        }
    }

    @Test
    void theDefaultModelIsTheBuiltInOneAndSaysSo() {
        String[] tail = {"-p", "Once upon a time", "-n", "32", "--temperature", "0", "--seed", "1", "--json"};
        CliTest.Result byDefault = run(concat(new String[] {"generate"}, tail));
        assertEquals(0, byDefault.code(), byDefault.err());
        List<String> notice = byDefault.err().lines().filter(l -> l.contains("built-in")).toList();
        assertEquals(1, notice.size(), byDefault.err());
        assertTrue(notice.get(0).contains("stories260K") && notice.get(0).contains("-m DIR"), notice.get(0));
        CliTest.Result named = run(concat(new String[] {"generate", "-m", "builtin:stories260K"}, tail));
        assertEquals(0, named.code(), named.err());
        assertTrue(named.err().lines().noneMatch(l -> l.contains("no -m given")), "no notice when -m is given");
        CliTest.Result shared = run(concat(new String[] {"generate", "-m",
                Samples.path("models/stories260K").toString()}, tail));
        assertEquals(0, shared.code(), shared.err());
        assertEquals(ids(shared.out()), ids(byDefault.out()));
        assertEquals(ids(shared.out()), ids(named.out()));
        assertEquals(32, ids(byDefault.out()).size());
    }

    @Test
    void theBuiltInDraftDecodesSpeculatively() {
        CliTest.Result plain = run("generate", "-m", "builtin:stories260K", "-p", "Once upon a time", "-n", "24",
                "--temperature", "0", "--json");
        CliTest.Result speculative = run("generate", "-m", "builtin:stories260K", "--draft",
                "builtin:stories260K-draft", "-p", "Once upon a time", "-n", "24", "--temperature", "0", "--json");
        assertEquals(0, speculative.code(), speculative.err());
        assertEquals(ids(plain.out()), ids(speculative.out()));
        Map<String, Object> stats = stats(speculative.out());
        assertTrue(((Number) stats.get("target_passes")).intValue() < 24, String.valueOf(stats));
    }

    @Test
    void badBuiltInNamesAndMappingThemAreUserErrors() {
        CliTest.Result unknown = run("generate", "-m", "builtin:stories15M", "-p", "hi");
        assertUserError(unknown, "--model", "builtin:stories15M", "builtin:stories260K-draft", "inspect --builtin");
        assertEquals("", unknown.out());
        assertUserError(run("generate", "-m", "builtin:", "-p", "hi"), "built-in");
        assertUserError(run("generate", "-m", "builtin:../models", "-p", "hi"), "built-in");
        assertUserError(run("generate", "--draft", "builtin:nope", "-p", "hi"), "--draft", "builtin:nope");
        assertUserError(run("generate", "-m", "builtin:stories260K", "--mmap", "-p", "hi"), "--mmap", "jar");
    }

    @Test
    void inspectListsTheBuiltInModelsWithTheirSizes() throws IOException {
        CliTest.Result r = run("inspect", "--builtin");
        assertEquals(0, r.code(), r.err());
        List<String> lines = r.out().lines().toList();
        assertEquals(NAMES.size(), lines.size(), r.out());
        for (int i = 0; i < NAMES.size(); i++) {
            String[] parts = lines.get(i).trim().split("\\s+");
            assertEquals("builtin:" + NAMES.get(i), parts[0]);
            long bytes;
            try (Stream<Path> files = Files.list(BuiltinModels.folder(NAMES.get(i)))) {
                bytes = files.mapToLong(p -> p.toFile().length()).sum();
            }
            assertEquals(bytes, Long.parseLong(parts[1].replace(",", "")), lines.get(i));
        }
        CliTest.Result shown = run("inspect", "-m", "builtin:stories260K-draft");
        assertEquals(0, shown.code(), shown.err());
        assertTrue(shown.out().startsWith("model builtin:stories260K-draft"), shown.out());
    }

    @Test
    void tokenizeUsesTheBuiltInTokenizerByDefault() {
        CliTest.Result r = run("tokenize", "--text", "Once upon a time", "--json");
        assertEquals(0, r.code(), r.err());
        assertEquals("{\"ids\": [1, 403, 407, 261, 378]}", r.out().strip());
    }

    private static String[] concat(String[] a, String[] b) {
        String[] all = new String[a.length + b.length];
        System.arraycopy(a, 0, all, 0, a.length);
        System.arraycopy(b, 0, all, a.length, b.length);
        return all;
    }

    private static List<?> ids(String json) {
        return (List<?>) Json.parseObject(json.strip(), "output").get("generated_ids");
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> stats(String json) {
        return (Map<String, Object>) Json.parseObject(json.strip(), "output").get("stats");
    }
}
