package org.specula.loader;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.specula.loader.tokenizer.Tokenizer;
import org.specula.tensor.SpeculaException;
import org.specula.testdata.Samples;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.longs;

/**
 * Fuzzes the three files a model folder is read from, starting from stories260K's: each case mutates one file
 * (byte flips, truncation, inserted bytes, a field deleted or replaced, a number swapped for an out-of-range or huge
 * one, for safetensors also the length field) and loads it. The property: it loads, or it throws a one-line
 * {@link SpeculaException} naming the file; never another exception, never longer than {@link #CASE_TIMEOUT_S}
 * seconds (a hang), never more than a bounded allocation (a header claiming a huge length must not allocate it).
 * Each case's mutation comes from a seed QuickTheories draws, so a failure prints a seed that reproduces it.
 */
class LoaderFuzzProperties {
    static final int CASE_TIMEOUT_S = 10;
    /** Parsing the small stories260K files allocates a few MB; far below what any claimed huge size would cost. */
    static final long SMALL_ALLOCATION = 64L << 20;
    /** Token ids up to JsonFields.MAX_TOKEN_ID size the id tables (about 150 MB at the bound); nothing may exceed it. */
    static final long TOKENIZER_ALLOCATION = 256L << 20;

    /** Values a substitution puts in place of a field: out of range, huge, the wrong type, half a rope_scaling. */
    static final List<String> REPLACEMENTS = List.of("-1", "0", "1", "511", "512", "99999", "100000", "2147483647",
            "2147483648", "16777215", "16777216", "9223372036854775807", "-9223372036854775808",
            "18446744073709551615", "1e308", "1e999", "-1e999", "0.5", "-0.0", "\"x\"", "\"\"", "null", "true", "[]",
            "{}", "[2, 99999]", "[0, 0]", "[-1, 4]", "{\"rope_type\": \"llama3\", \"factor\": 8.0}",
            "{\"__metadata__\": 1}", "\"" + "a".repeat(5000) + "\"");
    /** Absent config fields a substitution may add. */
    static final List<String> CONFIG_KEYS = List.of("head_dim", "bos_token_id", "eos_token_id", "rope_scaling",
            "num_key_value_heads", "max_position_embeddings", "rms_norm_eps", "rope_theta", "model_type");

    static byte[] config;
    static byte[] tokenizer;
    static byte[] tokenizerConfig;
    static byte[] weights;
    static ExecutorService worker;

    @TempDir
    static Path tmp;

    @BeforeAll
    static void readSamples() throws IOException {
        Path model = Samples.path("models/stories260K");
        config = Files.readAllBytes(model.resolve("config.json"));
        tokenizer = Files.readAllBytes(model.resolve("tokenizer.json"));
        tokenizerConfig = Files.readAllBytes(model.resolve("tokenizer_config.json"));
        weights = Files.readAllBytes(model.resolve("model.safetensors"));
        worker = newWorker();
    }

    @AfterAll
    static void stopWorker() {
        if (worker != null) {
            worker.shutdownNow();
        }
    }

    private static ExecutorService newWorker() {
        return Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "fuzz-case");
            t.setDaemon(true);
            return t;
        });
    }

    @Test
    void configJson() throws IOException {
        Path file = tmp.resolve("config.json");
        qt().withExamples(8000).withFixedSeed(19).withShrinkCycles(20)
                .forAll(integers().between(0, 6), longs().all())
                .checkAssert((kind, seed) -> {
                    byte[] mutated = mutateJson(config, kind, seed, CONFIG_KEYS);
                    write(file, mutated);
                    check(file.toString(), mutated, SMALL_ALLOCATION, () -> LlamaConfig.load(file));
                });
    }

    @Test
    void tokenizerJson() throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("tokenizer"));
        Path file = dir.resolve("tokenizer.json");
        qt().withExamples(4000).withFixedSeed(19).withShrinkCycles(20)
                .forAll(integers().between(0, 6), longs().all())
                .checkAssert((kind, seed) -> {
                    byte[] mutated = mutateJson(tokenizer, kind, seed, List.of("added_tokens", "model", "decoder"));
                    write(file, mutated);
                    check(file.toString(), mutated, TOKENIZER_ALLOCATION, () -> Tokenizer.load(dir, 512));
                });
    }

    /** tokenizer_config.json beside an intact tokenizer.json (issue 19: the file the first corpus left out). */
    @Test
    void tokenizerConfigJson() throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("tokenizer-config"));
        Files.write(dir.resolve("tokenizer.json"), tokenizer);
        Path file = dir.resolve("tokenizer_config.json");
        qt().withExamples(3000).withFixedSeed(19).withShrinkCycles(20)
                .forAll(integers().between(0, 6), longs().all())
                .checkAssert((kind, seed) -> {
                    byte[] mutated = mutateJson(tokenizerConfig, kind, seed,
                            List.of("chat_template", "add_bos_token", "add_eos_token", "bos_token", "eos_token"));
                    write(file, mutated);
                    check(file.toString(), mutated, TOKENIZER_ALLOCATION, () -> Tokenizer.load(dir, 512));
                });
    }

    /**
     * model.safetensors.index.json of a sharded folder (issue 19): stories260K's weights listed by a generated index,
     * mutated, then the whole folder opened.
     */
    @Test
    void safetensorsIndexJson() throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("sharded"));
        Files.write(dir.resolve("config.json"), config);
        Files.write(dir.resolve("model.safetensors"), weights);
        StringBuilder index = new StringBuilder("{\"metadata\": {\"total_size\": " + (weights.length - 8) + "}, "
                + "\"weight_map\": {");
        try (ModelFolder folder = ModelFolder.open(dir)) {
            String sep = "";
            for (String name : folder.tensors().keySet()) {
                index.append(sep).append(Json.quote(name)).append(": \"model.safetensors\"");
                sep = ", ";
            }
        }
        byte[] original = index.append("}}").toString().getBytes(StandardCharsets.UTF_8);
        Path file = dir.resolve("model.safetensors.index.json");
        qt().withExamples(2000).withFixedSeed(19).withShrinkCycles(20)
                .forAll(integers().between(0, 6), longs().all())
                .checkAssert((kind, seed) -> {
                    byte[] mutated = mutateJson(original, kind, seed, List.of("weight_map", "metadata"));
                    write(file, mutated);
                    check(file.toString(), mutated, SMALL_ALLOCATION, () -> ModelFolder.open(dir).close());
                });
    }

    @Test
    void safetensorsHeader() {
        Path file = tmp.resolve("model.safetensors");
        qt().withExamples(10000).withFixedSeed(19).withShrinkCycles(20)
                .forAll(integers().between(0, 7), longs().all())
                .checkAssert((kind, seed) -> {
                    byte[] mutated = mutateSafetensors(kind, seed);
                    check(file.toString(), mutated, SMALL_ALLOCATION,
                            () -> SafetensorsFile.parse(file, MemorySegment.ofArray(mutated)));
                });
    }

    /** Runs one load on the worker thread, with a timeout and a count of the bytes it allocated. */
    private static void check(String name, byte[] input, long allocationBound, Runnable load) {
        Future<Long> result = worker.submit(() -> {
            com.sun.management.ThreadMXBean threads =
                    (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
            long before = threads.getCurrentThreadAllocatedBytes();
            try {
                load.run();
            } catch (SpeculaException e) {
                String message = e.getMessage();
                if (!message.contains(name) || message.contains("\n")) {
                    throw new AssertionError("the error should be one line naming " + name + ": " + message
                            + "\ninput: " + preview(input));
                }
            }
            return threads.getCurrentThreadAllocatedBytes() - before;
        });
        long allocated;
        try {
            allocated = result.get(CASE_TIMEOUT_S, TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            result.cancel(true);
            worker.shutdownNow();
            worker = newWorker();
            throw new AssertionError("loading " + name + " did not finish in " + CASE_TIMEOUT_S + " s; input: "
                    + preview(input));
        } catch (ExecutionException e) {
            if (e.getCause() instanceof AssertionError a) {
                throw a;
            }
            throw new AssertionError("loading " + name + " threw " + e.getCause() + " instead of SpeculaException;"
                    + " input: " + preview(input), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
        if (allocated > allocationBound) {
            throw new AssertionError("loading " + name + " allocated " + allocated + " bytes (bound "
                    + allocationBound + "); input: " + preview(input));
        }
    }

    private static String preview(byte[] input) {
        String text = new String(input, 0, Math.min(input.length, 2000), StandardCharsets.UTF_8);
        return input.length + " bytes: " + text;
    }

    private static void write(Path file, byte[] bytes) {
        try {
            Files.write(file, bytes);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    /** One mutation of a JSON file: kinds 0-2 work on bytes, 3-6 on the parsed tree or on number literals. */
    static byte[] mutateJson(byte[] original, int kind, long seed, List<String> extraKeys) {
        Random random = new Random(seed);
        return switch (kind) {
            case 0 -> flipBytes(original, 0, original.length, random);
            case 1 -> java.util.Arrays.copyOf(original, random.nextInt(original.length));
            case 2 -> insertBytes(original, random);
            case 3 -> editTree(original, random, true, extraKeys);
            case 4 -> editTree(original, random, false, extraKeys);
            case 5 -> replaceNumber(original, random);
            default -> editTree(flipBytesInTree(original, random), random, false, extraKeys);
        };
    }

    private static byte[] flipBytes(byte[] original, int from, int to, Random random) {
        byte[] out = original.clone();
        int flips = 1 + random.nextInt(4);
        for (int i = 0; i < flips; i++) {
            out[from + random.nextInt(to - from)] ^= (byte) (1 + random.nextInt(255));
        }
        return out;
    }

    private static byte[] insertBytes(byte[] original, Random random) {
        int at = random.nextInt(original.length + 1);
        byte[] inserted = new byte[1 + random.nextInt(8)];
        random.nextBytes(inserted);
        byte[] out = new byte[original.length + inserted.length];
        System.arraycopy(original, 0, out, 0, at);
        System.arraycopy(inserted, 0, out, at, inserted.length);
        System.arraycopy(original, at, out, at + inserted.length, original.length - at);
        return out;
    }

    /** A flip that keeps the text parseable when it lands in a string, else the original (edited further). */
    private static byte[] flipBytesInTree(byte[] original, Random random) {
        byte[] flipped = original.clone();
        int at = random.nextInt(original.length);
        if (Character.isLetterOrDigit(flipped[at])) {
            flipped[at] = (byte) ('0' + random.nextInt(75));
        }
        try {
            Json.parse(new String(flipped, StandardCharsets.UTF_8), "fuzz");
            return flipped;
        } catch (SpeculaException e) {
            return original;
        }
    }

    /** Deletes a random field (delete) or replaces a random value, or adds one of extraKeys, at any depth. */
    private static byte[] editTree(byte[] original, Random random, boolean delete, List<String> extraKeys) {
        Object tree = mutableCopy(Json.parse(new String(original, StandardCharsets.UTF_8), "fuzz"));
        List<Object> containers = new ArrayList<>();
        collect(tree, containers);
        Object target = containers.get(random.nextInt(containers.size()));
        Object replacement = Json.parse(REPLACEMENTS.get(random.nextInt(REPLACEMENTS.size())), "palette");
        if (target instanceof Map<?, ?> raw && !raw.isEmpty()) {
            @SuppressWarnings("unchecked")
            Map<String, Object> map = (Map<String, Object>) raw;
            List<String> keys = new ArrayList<>(map.keySet());
            String key = keys.get(random.nextInt(keys.size()));
            if (delete) {
                map.remove(key);
            } else {
                if (target == tree && random.nextInt(4) == 0) {
                    key = extraKeys.get(random.nextInt(extraKeys.size()));
                }
                map.put(key, replacement);
            }
        } else if (target instanceof List<?> raw && !raw.isEmpty()) {
            @SuppressWarnings("unchecked")
            List<Object> list = (List<Object>) raw;
            int index = random.nextInt(list.size());
            if (delete) {
                list.remove(index);
            } else {
                list.set(index, replacement);
            }
        }
        return write(tree).getBytes(StandardCharsets.UTF_8);
    }

    private static Object mutableCopy(Object value) {
        if (value instanceof Map<?, ?> map) {
            Map<String, Object> copy = new LinkedHashMap<>();
            map.forEach((k, v) -> copy.put((String) k, mutableCopy(v)));
            return copy;
        }
        if (value instanceof List<?> list) {
            List<Object> copy = new ArrayList<>();
            list.forEach(v -> copy.add(mutableCopy(v)));
            return copy;
        }
        return value;
    }

    private static void collect(Object value, List<Object> out) {
        if (value instanceof Map<?, ?> map) {
            out.add(map);
            map.values().forEach(v -> collect(v, out));
        } else if (value instanceof List<?> list) {
            out.add(list);
            list.forEach(v -> collect(v, out));
        }
    }

    static String write(Object value) {
        if (value instanceof Map<?, ?> map) {
            StringBuilder sb = new StringBuilder("{");
            map.forEach((k, v) -> sb.append(sb.length() > 1 ? "," : "").append(Json.quote((String) k)).append(':')
                    .append(write(v)));
            return sb.append('}').toString();
        }
        if (value instanceof List<?> list) {
            StringBuilder sb = new StringBuilder("[");
            list.forEach(v -> sb.append(sb.length() > 1 ? "," : "").append(write(v)));
            return sb.append(']').toString();
        }
        if (value instanceof String s) {
            return Json.quote(s);
        }
        if (value instanceof Double d && d.isInfinite()) {
            return d > 0 ? "1e999" : "-1e999";
        }
        return String.valueOf(value);
    }

    /** Replaces one number literal of the text with an out-of-range or huge one. */
    private static byte[] replaceNumber(byte[] original, Random random) {
        String text = new String(original, StandardCharsets.UTF_8);
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("-?[0-9][0-9.eE+-]*").matcher(text);
        List<int[]> spans = new ArrayList<>();
        while (m.find()) {
            spans.add(new int[]{m.start(), m.end()});
        }
        int[] span = spans.get(random.nextInt(spans.size()));
        String number = REPLACEMENTS.get(random.nextInt(19));
        return (text.substring(0, span[0]) + number + text.substring(span[1])).getBytes(StandardCharsets.UTF_8);
    }

    /**
     * One mutation of model.safetensors: kinds 0-3 as for JSON but confined to the length field and header, 4-6
     * edit the header's JSON and rewrite the length to match, 7 writes a length field from the replacements.
     */
    private static byte[] mutateSafetensors(int kind, long seed) {
        Random random = new Random(seed);
        int headerEnd = 8 + (int) ByteBuffer.wrap(weights).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
        byte[] header = java.util.Arrays.copyOfRange(weights, 8, headerEnd);
        return switch (kind) {
            case 0 -> flipBytes(weights, 0, headerEnd, random);
            case 1 -> java.util.Arrays.copyOf(weights, random.nextInt(headerEnd + 64));
            case 2 -> java.util.Arrays.copyOf(weights, weights.length - 1 - random.nextInt(weights.length - headerEnd));
            case 3 -> withHeader(insertBytes(header, random), false);
            case 4 -> withHeader(editTree(header, random, true, List.of("__metadata__")), random.nextBoolean());
            case 5 -> withHeader(editTree(header, random, false, List.of("__metadata__")), random.nextBoolean());
            case 6 -> withHeader(replaceNumber(header, random), random.nextBoolean());
            default -> {
                byte[] out = weights.clone();
                long[] lengths = {0, 1, 2, -1, Long.MIN_VALUE, Long.MAX_VALUE, headerEnd, weights.length,
                        weights.length - 7, SafetensorsFile.MAX_HEADER_BYTES + 1, 1L << 32, random.nextLong()};
                ByteBuffer.wrap(out).order(ByteOrder.LITTLE_ENDIAN).putLong(0, lengths[random.nextInt(12)]);
                yield out;
            }
        };
    }

    /** The header (padded with spaces to 8 bytes when asked, as the HF writer does) before the original data. */
    private static byte[] withHeader(byte[] header, boolean pad) {
        int headerEnd = 8 + (int) ByteBuffer.wrap(weights).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
        int padded = pad ? (header.length + 7) / 8 * 8 : header.length;
        ByteBuffer out = ByteBuffer.allocate(8 + padded + weights.length - headerEnd).order(ByteOrder.LITTLE_ENDIAN);
        out.putLong(padded).put(header);
        for (int i = header.length; i < padded; i++) {
            out.put((byte) ' ');
        }
        return out.put(weights, headerEnd, weights.length - headerEnd).array();
    }
}
