package org.specula.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.specula.loader.Json;
import org.specula.testdata.Samples;
import org.specula.testdata.TinyModels;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CliTest {
    @TempDir
    Path tmp;

    record Result(int code, String out, String err) {
    }

    static Result run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = Main.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    static String model() {
        return Samples.path("models/stories260K").toString();
    }

    /** A user error: non-zero exit, one line on stderr containing each fragment, no stack trace. */
    static void assertUserError(Result r, String... fragments) {
        assertNotEquals(0, r.code(), "exit code for " + r);
        String[] lines = r.err().strip().split("\n");
        String last = lines[lines.length - 1];
        for (String f : fragments) {
            assertTrue(last.contains(f), "error line '" + last + "' should mention '" + f + "'");
        }
        assertFalse(r.err().contains("\tat "), "no stack trace: " + r.err());
        assertFalse(r.err().contains("Exception"), "no exception names: " + r.err());
    }

    static int[] ints(Object list) {
        return ((List<?>) list).stream().mapToInt(o -> ((Long) o).intValue()).toArray();
    }

    @Test
    void greedyJsonMatchesReference() throws IOException {
        Path ref = Samples.path("reference/stories260K/greedy.json");
        Map<?, ?> entry = (Map<?, ?>) ((List<?>) Json.parse(Files.readString(ref), "ref")).get(0);
        int[] expected = ints(entry.get("runc_ids"));
        Result r = run("generate", "-m", model(), "-p", "Once upon a time", "--temperature", "0", "-n", "196",
                "--ignore-eos", "--json", "--kernels", "scalar");
        assertEquals(0, r.code(), r.err());
        Map<String, Object> json = Json.parseObject(r.out().strip(), "stdout");
        int[] prompt = ints(json.get("prompt_ids"));
        int[] generated = ints(json.get("generated_ids"));
        assertEquals(5, prompt.length);
        int[] all = new int[prompt.length + generated.length];
        System.arraycopy(prompt, 0, all, 0, prompt.length);
        System.arraycopy(generated, 0, all, prompt.length, generated.length);
        assertEquals(java.util.Arrays.toString(expected), java.util.Arrays.toString(all));
        assertTrue(((String) json.get("text")).startsWith(", there was"), (String) json.get("text"));
        assertTrue(json.get("stats") instanceof Map<?, ?> stats && stats.containsKey("decode_tokens_per_s"));
    }

    @Test
    void speculativeJsonHasAcceptanceStatistics() {
        Result r = run("generate", "-m", model(), "--draft", Samples.path("models/stories260K-draft").toString(),
                "--prompt-ids", "1,403,407,261,378", "--temperature", "0", "-n", "40", "--json", "--draft-tokens", "3");
        assertEquals(0, r.code(), r.err());
        Map<String, Object> json = Json.parseObject(r.out().strip(), "stdout");
        List<?> perStep = (List<?>) json.get("accepted_per_step");
        assertFalse(perStep.isEmpty());
        Map<?, ?> stats = (Map<?, ?>) json.get("stats");
        for (String key : new String[]{"acceptance_rate", "mean_accepted_per_step", "speedup_estimate"}) {
            assertTrue(stats.containsKey(key), key);
        }
    }

    /**
     * --ngram drafts by prompt lookup: generate's JSON has the draft model's statistics and keys, and its greedy text
     * is plain decoding's; chat and bench take it too. Its flags are refused, exit 2 with one line naming them, beside
     * --draft (or bench's --oracle-acceptance), without --ngram, and out of 1 <= --ngram-min <= --ngram-max.
     */
    @Test
    void ngramDraftsWithoutASecondModel() {
        String prompt = "Once upon a time, there was a little girl. Once upon a time";
        Result plain = run("generate", "-m", model(), "-p", prompt, "--temperature", "0", "-n", "40", "--json");
        Result r = run("generate", "-m", model(), "-p", prompt, "--temperature", "0", "-n", "40", "--json",
                "--ngram", "--ngram-max", "4");
        assertEquals(0, r.code(), r.err());
        Map<String, Object> json = Json.parseObject(r.out().strip(), "stdout");
        assertEquals(Json.parseObject(plain.out().strip(), "plain").get("generated_ids"), json.get("generated_ids"));
        assertFalse(((List<?>) json.get("accepted_per_step")).isEmpty());
        Map<?, ?> stats = (Map<?, ?>) json.get("stats");
        for (String key : new String[]{"draft_tokens", "target_passes", "drafted", "accepted", "acceptance_rate",
                "mean_drafted_per_step", "mean_accepted_per_step", "tokens_per_target_pass", "acceptance_by_position",
                "speedup_estimate"}) {
            assertTrue(stats.containsKey(key), key + " in " + stats.keySet());
        }
        assertTrue((Long) stats.get("accepted") > 0, "the repeated passage is drafted and accepted: " + stats);
        assertEquals(4L, stats.get("ngram_max"));
        assertEquals(1L, stats.get("ngram_min"));

        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = Main.run(new String[]{"chat", "-m", model(), "--ngram", "--temperature", "0", "-n", "12",
                        "--chat-template", "plain"},
                new java.io.ByteArrayInputStream("Once upon a time\n/stats\n".getBytes(StandardCharsets.UTF_8)),
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        assertEquals(0, code, err.toString(StandardCharsets.UTF_8));
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("speculative with k=4 by n-gram lookup, n 3 down "
                + "to 1"), err.toString(StandardCharsets.UTF_8));
        assertTrue(out.toString(StandardCharsets.UTF_8).contains("acceptance"), out.toString(StandardCharsets.UTF_8));

        assertBenchDrafts(prompt, "ngram_max", "--ngram");

        String draft = Samples.path("models/stories260K-draft").toString();
        assertOneLineUsageError(run("generate", "-m", model(), "-p", "x", "--ngram", "--draft", draft),
                "--ngram", "--draft");
        assertOneLineUsageError(run("chat", "-m", model(), "--ngram", "--draft", draft), "--ngram", "--draft");
        assertOneLineUsageError(run("bench", "-m", model(), "--ngram", "--draft", draft), "--ngram", "--draft");
        assertOneLineUsageError(run("bench", "-m", model(), "--ngram", "--oracle-acceptance", "1"), "--ngram",
                "--oracle-acceptance");
        assertOneLineUsageError(run("generate", "-m", model(), "-p", "x", "--ngram", "--ngram-min", "0"),
                "--ngram-min", "0");
        assertOneLineUsageError(run("generate", "-m", model(), "-p", "x", "--ngram", "--ngram-max", "0"),
                "--ngram-max", "0");
        assertOneLineUsageError(run("generate", "-m", model(), "-p", "x", "--ngram", "--ngram-max", "two"),
                "--ngram-max", "two");
        assertOneLineUsageError(run("generate", "-m", model(), "-p", "x", "--ngram", "--ngram-min", "3",
                "--ngram-max", "2"), "--ngram-min 3", "--ngram-max 2");
        assertOneLineUsageError(run("chat", "-m", model(), "--ngram", "--ngram-min", "4"), "--ngram-min 4",
                "--ngram-max 3");
        assertOneLineUsageError(run("generate", "-m", model(), "-p", "x", "--ngram-max", "5"), "--ngram-max",
                "--ngram");
    }

    /**
     * --early-exit L drafts with the target's first L layers: generate's JSON has the other drafters' statistics and
     * keys, and its greedy text is plain decoding's; chat and bench take it too. It is refused, exit 2 with one line
     * naming the flags, beside --draft, --ngram or --oracle-acceptance, and outside 1..4 for stories260K's 5 layers.
     */
    @Test
    void earlyExitDraftsWithTheTargetsFirstLayers() {
        String prompt = "Once upon a time";
        Result plain = run("generate", "-m", model(), "-p", prompt, "--temperature", "0", "-n", "40", "--json");
        Result r = run("generate", "-m", model(), "-p", prompt, "--temperature", "0", "-n", "40", "--json",
                "--early-exit", "4");
        assertEquals(0, r.code(), r.err());
        Map<String, Object> json = Json.parseObject(r.out().strip(), "stdout");
        assertEquals(Json.parseObject(plain.out().strip(), "plain").get("generated_ids"), json.get("generated_ids"));
        assertFalse(((List<?>) json.get("accepted_per_step")).isEmpty());
        Map<?, ?> stats = (Map<?, ?>) json.get("stats");
        for (String key : new String[]{"draft_tokens", "target_passes", "drafted", "accepted", "acceptance_rate",
                "mean_drafted_per_step", "mean_accepted_per_step", "tokens_per_target_pass", "acceptance_by_position",
                "draft_ms", "verify_ms", "overhead_fraction", "speedup_estimate"}) {
            assertTrue(stats.containsKey(key), key + " in " + stats.keySet());
        }
        assertTrue((Long) stats.get("accepted") > 0, "4 of 5 layers draft what the target takes: " + stats);
        assertEquals(4L, stats.get("early_exit_layers"));

        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        byte[] turns = "Once upon a time\nThe end\n/stats\n".getBytes(StandardCharsets.UTF_8);
        int code = Main.run(new String[]{"chat", "-m", model(), "--early-exit", "3", "--temperature", "0", "-n",
                        "12", "--chat-template", "plain"}, new java.io.ByteArrayInputStream(turns),
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        assertEquals(0, code, err.toString(StandardCharsets.UTF_8));
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("speculative with k=4 by early exit after 3 layers"),
                err.toString(StandardCharsets.UTF_8));

        assertBenchDrafts(prompt, "early_exit_layers", "--early-exit", "4");

        String draft = Samples.path("models/stories260K-draft").toString();
        assertOneLineUsageError(run("generate", "-m", model(), "-p", "x", "--early-exit", "2", "--draft", draft),
                "--early-exit", "--draft");
        assertOneLineUsageError(run("chat", "-m", model(), "--early-exit", "2", "--ngram"), "--early-exit",
                "--ngram");
        assertOneLineUsageError(run("bench", "-m", model(), "--early-exit", "2", "--oracle-acceptance", "1"),
                "--early-exit", "--oracle-acceptance");
        for (String bad : new String[]{"0", "two"}) {
            assertOneLineUsageError(run("generate", "-m", model(), "-p", "x", "--early-exit", bad), "--early-exit",
                    bad);
        }
        for (String command : new String[]{"generate", "bench"}) {
            assertOneLineUsageError(run(command, "-m", model(), "-p", "x", "--early-exit", "5"), "--early-exit 5",
                    "1..4");
        }
        assertOneLineUsageError(run("chat", "-m", model(), "--early-exit", "9"), "--early-exit 9", "1..4");
    }

    /**
     * --draft-tokens auto chooses k each pass in 0..--draft-tokens-max for every drafter: greedy text is plain
     * decoding's, the JSON keeps draft_tokens a number (the max) beside draft_tokens_auto and mean_draft_tokens, chat
     * and bench take it. Bad values are refused, exit 2 with one line naming the flag, before any output.
     */
    @Test
    void draftTokensAutoChoosesKEachPass() {
        String prompt = "Once upon a time, there was a little girl. Once upon a time";
        String draft = Samples.path("models/stories260K-draft").toString();
        Result plain = run("generate", "-m", model(), "-p", prompt, "--temperature", "0", "-n", "60", "--json");
        Object expected = Json.parseObject(plain.out().strip(), "plain").get("generated_ids");
        String[][] drafters = {{"--draft", draft}, {"--ngram"}, {"--early-exit", "4"}, {"--draft", draft,
                "--draft-p-min", "0.4"}};
        for (String[] drafter : drafters) {
            List<String> args = new java.util.ArrayList<>(List.of("generate", "-m", model(), "-p", prompt,
                    "--temperature", "0", "-n", "60", "--json", "--draft-tokens", "auto", "--draft-tokens-max", "5"));
            args.addAll(List.of(drafter));
            Result r = run(args.toArray(new String[0]));
            assertEquals(0, r.code(), r.err());
            Map<String, Object> json = Json.parseObject(r.out().strip(), "stdout");
            assertEquals(expected, json.get("generated_ids"), String.join(" ", drafter));
            Map<?, ?> stats = (Map<?, ?>) json.get("stats");
            assertEquals(5L, stats.get("draft_tokens"));
            assertEquals(true, stats.get("draft_tokens_auto"));
            double mean = ((Number) stats.get("mean_draft_tokens")).doubleValue();
            assertTrue(mean >= 0 && mean <= 5, "mean_draft_tokens " + mean);
            assertTrue(((List<?>) stats.get("acceptance_by_position")).size() <= 5, stats.toString());
        }
        Result fixed = run("generate", "-m", model(), "-p", prompt, "--temperature", "0", "-n", "20", "--json",
                "--ngram", "--draft-tokens", "3");
        Map<?, ?> fixedStats = (Map<?, ?>) Json.parseObject(fixed.out().strip(), "fixed").get("stats");
        assertEquals(3L, fixedStats.get("draft_tokens"));
        assertEquals(false, fixedStats.get("draft_tokens_auto"));

        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = Main.run(new String[]{"chat", "-m", model(), "--early-exit", "4", "--draft-tokens", "auto",
                        "--temperature", "0", "-n", "12", "--chat-template", "plain"},
                new java.io.ByteArrayInputStream("Once upon a time\n/stats\n".getBytes(StandardCharsets.UTF_8)),
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        assertEquals(0, code, err.toString(StandardCharsets.UTF_8));
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("speculative with k=auto (max 8) by early exit"),
                err.toString(StandardCharsets.UTF_8));
        assertTrue(out.toString(StandardCharsets.UTF_8).contains("k=auto (max 8), "),
                out.toString(StandardCharsets.UTF_8));

        assertBenchDrafts(prompt, "draft_tokens_auto", "--ngram", "--draft-tokens", "auto");

        for (String command : new String[]{"generate", "chat", "bench"}) {
            String[][] bad = {{"--ngram", "--draft-tokens", "abc"}, {"--ngram", "--draft-tokens", "auto",
                    "--draft-tokens-max", "0"}, {"--ngram", "--draft-tokens-max", "4"}, {"--early-exit", "4",
                    "--draft-p-min", "2"}, {"--ngram", "--draft-p-min", "0.5"}};
            String[][] named = {{"--draft-tokens", "auto", "abc"}, {"--draft-tokens-max", ">= 1"},
                    {"--draft-tokens-max", "--draft-tokens auto"}, {"--draft-p-min", "[0.0, 1.0]"},
                    {"--draft-p-min", "--ngram"}};
            for (int i = 0; i < bad.length; i++) {
                List<String> args = new java.util.ArrayList<>(List.of(command, "-m", model()));
                if (!command.equals("chat")) {
                    args.addAll(List.of("-p", "x"));
                }
                args.addAll(List.of(bad[i]));
                Result r = run(args.toArray(new String[0]));
                assertOneLineUsageError(r, named[i]);
                assertEquals("", r.out(), "no output before the error: " + args);
            }
        }
        assertOneLineUsageError(run("bench", "-m", model(), "--oracle-acceptance", "0.5", "--draft-p-min", "0.5"),
                "--draft-p-min", "oracle");
    }

    /** A user error as the contract has it: exit 2 and one line on stderr, naming each fragment. */
    static void assertOneLineUsageError(Result r, String... fragments) {
        assertUserError(r, fragments);
        assertEquals(2, r.code(), r.toString());
        assertEquals(1, r.err().strip().lines().count(), "one line: " + r.err());
    }

    @Test
    void numSamplesPrintsOneJsonLineEach() {
        Result r = run("generate", "-m", model(), "-p", "Once", "-n", "8", "--json", "--num-samples", "3",
                "--seed", "5", "--temperature", "1");
        assertEquals(0, r.code(), r.err());
        String[] lines = r.out().strip().split("\n");
        assertEquals(3, lines.length);
        for (String line : lines) {
            Json.parseObject(line, "line");
        }
    }

    @Test
    void tokenizeMatchesReferenceCases() throws IOException {
        Path cases = Samples.path("reference/stories260K/tokenizer_cases.json");
        for (Object c : (List<?>) Json.parse(Files.readString(cases), "cases")) {
            Map<?, ?> entry = (Map<?, ?>) c;
            Result r = run("tokenize", "--model", model(), "--text", (String) entry.get("text"), "--json");
            assertEquals(0, r.code(), r.err());
            assertEquals(java.util.Arrays.toString(ints(entry.get("ids"))),
                    java.util.Arrays.toString(ints(Json.parseObject(r.out().strip(), "out").get("ids"))));
        }
        Result noSpecial = run("tokenize", "--tokenizer", model() + "/tokenizer.json", "--text", "Once upon a time",
                "--no-special");
        assertEquals("403 407 261 378", noSpecial.out().strip());
    }

    @Test
    void scoreLogitsMatchRunC() throws IOException {
        Path meta = Samples.path("reference/stories260K/logits_seqA.json");
        int[] ids = ints(Json.parseObject(Files.readString(meta), "m").get("token_ids"));
        StringBuilder sb = new StringBuilder();
        for (int id : ids) {
            sb.append(sb.isEmpty() ? "" : ",").append(id);
        }
        Path out = tmp.resolve("logits.f32");
        Result r = run("score", "-m", model(), "--ids", sb.toString(), "--logits-out", out.toString(), "--json");
        assertEquals(0, r.code(), r.err());
        float[] expected = floats(Samples.path("reference/stories260K/logits_seqA.f32"));
        float[] actual = floats(out);
        assertEquals(expected.length, actual.length);
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], actual[i], 1e-4, "logit " + i);
        }
        double ppl = ((Number) Json.parseObject(r.out().strip(), "out").get("perplexity")).doubleValue();
        assertTrue(ppl > 1 && ppl < 20, "perplexity of the model's own greedy text: " + ppl);
    }

    static float[] floats(Path p) throws IOException {
        ByteBuffer bb = ByteBuffer.wrap(Files.readAllBytes(p)).order(ByteOrder.LITTLE_ENDIAN);
        float[] f = new float[bb.remaining() / 4];
        bb.asFloatBuffer().get(f);
        return f;
    }

    @Test
    void chatKeepsHistoryResetsAndReportsStats() {
        String input = "Once upon a time\n/stats\nThe end\n/reset\n/nonsense\n/quit\n";
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = Main.run(new String[]{"chat", "-m", model(), "--draft",
                        Samples.path("models/stories260K-draft").toString(), "--temperature", "0", "-n", "12",
                        "--chat-template", "plain", "--system", "Tell a story."},
                new java.io.ByteArrayInputStream(input.getBytes(StandardCharsets.UTF_8)),
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        String text = out.toString(StandardCharsets.UTF_8);
        assertEquals(0, code, err.toString(StandardCharsets.UTF_8));
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("plain format, speculative with k=4"));
        assertTrue(text.contains("decode: 12 tokens") && text.contains("acceptance"), text);
        assertTrue(text.contains("(conversation cleared)"), text);
        assertTrue(text.contains("(unknown command /nonsense"), text);
        assertEquals(6, text.split("> ", -1).length - 1, "one prompt per input line: " + text);
    }

    @Test
    void generateChatUsesTheTemplate() {
        Result plain = run("generate", "-m", model(), "--chat", "-p", "Hi", "--chat-template", "plain",
                "--temperature", "0", "-n", "5", "--json");
        assertEquals(0, plain.code(), plain.err());
        int[] ids = ints(Json.parseObject(plain.out().strip(), "out").get("prompt_ids"));
        Result tokenized = run("tokenize", "--model", model(), "--text", "User: Hi\nAssistant:", "--json");
        int[] expected = ints(Json.parseObject(tokenized.out().strip(), "t").get("ids"));
        assertEquals(java.util.Arrays.toString(expected), java.util.Arrays.toString(ids));
        assertEquals(1, ids[0], "BOS first");
        assertUserError(run("generate", "-m", model(), "--chat", "-p", "Hi", "--chat-template", "vicuna"),
                "vicuna", "llama3");
    }

    @Test
    void benchJsonKeepsItsContractKeys() {
        Result r = run("bench", "-m", model(), "--tokens", "24", "--prompt-tokens", "8", "--repeats", "1", "--json",
                "--no-bandwidth");
        assertEquals(0, r.code(), r.err());
        Map<String, Object> json = Json.parseObject(r.out().strip(), "bench");
        for (String key : new String[]{"prompt_tokens_per_s", "decode_tokens_per_s", "verify_cost", "weights_bytes",
                "threads", "mmap"}) {
            assertTrue(json.containsKey(key), key + " in " + json.keySet());
        }
        Map<?, ?> cost = (Map<?, ?>) json.get("verify_cost");
        assertEquals(java.util.List.of("1", "2", "3", "5", "8", "16"), java.util.List.copyOf(cost.keySet()));
        assertEquals(1.0, ((Number) cost.get("1")).doubleValue());
        // by the thread's CPU time, only where one kernel thread does all the work
        assertEquals(((Number) json.get("threads")).longValue() == 1, json.containsKey("verify_cost_cpu"), "" + json);
        Result one = run("bench", "-m", model(), "--tokens", "8", "--prompt-tokens", "8", "--repeats", "1", "--json",
                "--no-bandwidth", "-t", "1");
        assertEquals(0, one.code(), one.err());
        Map<?, ?> cpuCost = (Map<?, ?>) Json.parseObject(one.out().strip(), "bench").get("verify_cost_cpu");
        assertEquals(java.util.List.of("1", "2", "3", "5", "8", "16"), java.util.List.copyOf(cpuCost.keySet()));
        assertEquals(1.0, ((Number) cpuCost.get("1")).doubleValue());
        assertTrue(((Number) cpuCost.get("16")).doubleValue() > 0);
        assertEquals(1040128L, json.get("weights_bytes"));
        assertEquals(true, json.get("mmap"));
        assertEquals(1040128L / 4, json.get("parameters"), "stories260K stores F32 weights");
        assertVectorBitsAndCpu(json);
        for (String key : new String[]{"fma_peak_gflops", "prompt_flops_fraction"}) {
            assertTrue(json.containsKey(key) && json.get(key) == null, key + " is null under --no-bandwidth: " + json);
        }
    }

    /** Where the bench's figures came from: the kernels' vector width (0 for scalar) and a CPU name. */
    static void assertVectorBitsAndCpu(Map<String, Object> json) {
        long bits = ((Number) json.get("vector_bits")).longValue();
        assertEquals("scalar".equals(json.get("kernels")), bits == 0, "vector_bits " + bits + " for " + json);
        assertTrue(java.util.List.of(0L, 128L, 256L, 512L).contains(bits), "vector_bits " + bits);
        assertTrue(json.get("cpu") instanceof String cpu && !cpu.isBlank(), "cpu in " + json);
    }

    @Test
    void benchMeasuresTheFmaPeakBesideTheBandwidth() {
        Result r = run("bench", "-m", model(), "--tokens", "16", "--prompt-tokens", "8", "--repeats", "1", "--json");
        assertEquals(0, r.code(), r.err());
        Map<String, Object> json = Json.parseObject(r.out().strip(), "bench");
        assertVectorBitsAndCpu(json);
        for (String key : new String[]{"bandwidth_gb_per_s", "fma_peak_gflops", "prompt_flops_fraction"}) {
            assertTrue(json.get(key) instanceof Number n && n.doubleValue() > 0, key + " > 0 in " + json);
        }
        double peak = ((Number) json.get("fma_peak_gflops")).doubleValue();
        double expected = ((Number) json.get("prompt_tokens_per_s")).doubleValue() * 2 * 260032 / (peak * 1e9);
        assertEquals(expected, ((Number) json.get("prompt_flops_fraction")).doubleValue(), expected * 1e-4);

        Result human = run("bench", "-m", model(), "--tokens", "16", "--prompt-tokens", "8", "--repeats", "1",
                "--no-bandwidth");
        assertEquals(0, human.code(), human.err());
        String header = human.out().lines().findFirst().orElseThrow();
        assertTrue(header.contains("CPU ") && (header.contains("-bit vectors") || header.contains("no vectors")),
                header);
    }

    @Test
    void benchOracleRunsTheVerificationPathAtTheChosenAcceptance() {
        for (String a : new String[]{"1", "0"}) {
            Result r = run("bench", "-m", model(), "--tokens", "40", "--prompt-tokens", "8", "--repeats", "1",
                    "--json", "--no-bandwidth", "--oracle-acceptance", a, "--draft-tokens", "4", "--temperature", "0");
            assertEquals(0, r.code(), r.err());
            Map<String, Object> json = Json.parseObject(r.out().strip(), "bench");
            for (String key : new String[]{"plain_tokens_per_s", "spec_tokens_per_s", "speedup", "acceptance_rate",
                    "mean_accepted_per_step"}) {
                assertTrue(json.containsKey(key), key);
            }
            assertEquals(Double.parseDouble(a), ((Number) json.get("acceptance_rate")).doubleValue(), 1e-9,
                    "oracle acceptance " + a);
            assertEquals(true, json.get("identical_output"), "greedy speculative output equals plain");
        }
        Result draft = run("bench", "-m", model(), "--draft", Samples.path("models/stories260K-draft").toString(),
                "--tokens", "32", "--prompt-tokens", "8", "--repeats", "1", "--json", "--no-bandwidth");
        assertEquals(0, draft.code(), draft.err());
        assertEquals(true, Json.parseObject(draft.out().strip(), "bench").get("identical_output"));
        assertUserError(run("bench", "-m", model(), "--oracle-acceptance", "1.5"), "--oracle-acceptance");
    }

    @Test
    void noMmapGivesTheSameGreedyText() {
        Result mapped = run("generate", "-m", model(), "-p", "Once upon a time", "--temperature", "0", "-n", "30",
                "--json");
        Result copied = run("generate", "-m", model(), "-p", "Once upon a time", "--temperature", "0", "-n", "30",
                "--json", "--no-mmap");
        assertEquals(0, copied.code(), copied.err());
        assertEquals(Json.parseObject(mapped.out().strip(), "a").get("generated_ids"),
                Json.parseObject(copied.out().strip(), "b").get("generated_ids"));
        Result forced = run("generate", "-m", model(), "-p", "Once upon a time", "--temperature", "0", "-n", "30",
                "--json", "--mmap");
        assertEquals(0, forced.code(), forced.err());
        assertEquals(Json.parseObject(mapped.out().strip(), "a").get("generated_ids"),
                Json.parseObject(forced.out().strip(), "c").get("generated_ids"));
        assertUserError(run("generate", "-m", model(), "-p", "x", "--mmap", "--no-mmap"), "--mmap", "--no-mmap");
    }

    @Test
    void inspectListsTensors() {
        Result r = run("inspect", "-m", model());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("model.layers.4.mlp.down_proj.weight"));
        assertTrue(r.out().contains("vocab 512"));
        // 5 layers x (keys + values) x 4 KV heads x head_dim 8 x 4 bytes = 1280 bytes a position, F32 for F32 weights
        assertTrue(r.out().contains("KV cache f32 at context 512: 655,360 bytes (1,280 bytes per position)"), r.out());
        Result bf16 = run("inspect", "-m", model(), "--kv-dtype", "bf16", "--context", "100");
        assertTrue(bf16.out().contains("KV cache bf16 at context 100: 81,920 bytes (640 bytes per position)"),
                bf16.out()); // 100 positions take whole tiles of 32: 128
    }

    /**
     * bench --depth: the prompt, decode and verify figures come after D cached tokens, and the JSON names the depth,
     * the cache's dtype, its bytes and the bytes a decode step reads from it.
     */
    @Test
    void benchDepthReportsTheCache() {
        Result r = run("bench", "-m", model(), "--tokens", "8", "--prompt-tokens", "8", "--repeats", "1", "--json",
                "--no-bandwidth", "--depth", "300", "--kv-dtype", "bf16");
        assertEquals(0, r.code(), r.err());
        Map<String, Object> json = Json.parseObject(r.out().strip(), "bench");
        assertEquals(300L, json.get("depth"));
        assertEquals("bf16", json.get("kv_dtype"));
        long context = (Long) json.get("context"); // 300 + 8 + 8 + 32, rounded up to tiles of 32 in the bytes
        assertEquals(348L, context);
        assertEquals(352L * 640, json.get("kv_cache_bytes"));
        // decode steps attend to 308 .. 315 positions: 311.5 on average, 640 bytes each
        assertEquals(Math.round(311.5 * 640), json.get("kv_bytes_per_token"));
        assertTrue(((Number) json.get("decode_tokens_per_s")).doubleValue() > 0);
        // the depth takes context positions as the prompt does: 200 - (100 + 8) tokens are left to generate
        Result capped = run("bench", "-m", model(), "--tokens", "100", "--prompt-tokens", "8", "--repeats", "1",
                "--json", "--no-bandwidth", "--depth", "100", "--context", "200");
        assertEquals(0, capped.code(), capped.err());
        assertTrue(capped.err().contains("--tokens 100 capped to 92"), capped.err());
    }

    @Test
    void badCliValues() {
        assertUserError(run("generate", "-m", model(), "-p", "x", "-n", "-3"), "--max-tokens", "-3");
        assertUserError(run("generate", "-m", model(), "-p", "x", "-n", "ten"), "--max-tokens", "ten");
        assertUserError(run("generate", "-m", model(), "-p", "x", "--temperature", "hot"), "--temperature");
        assertUserError(run("generate", "-m", model(), "-p", "x", "--temperature", "-1"), "--temperature");
        assertUserError(run("generate", "-m", model(), "-p", "x", "--top-p", "0"), "--top-p");
        assertUserError(run("generate", "-m", model(), "-p", "x", "-t", "0"), "--threads");
        assertUserError(run("generate", "-m", model(), "-p", "x", "--context", "100000"), "--context");
        assertUserError(run("generate", "-m", model(), "--prompt-ids", "1,x"), "--prompt-ids");
        assertUserError(run("generate", "-m", model()), "--prompt");
        assertUserError(run("generate", "-m", model(), "-p", "x", "--bogus"), "bogus");
        assertUserError(run("generate", "-m", model(), "-p", "x", "--kv-dtype", "q8"), "--kv-dtype", "q8");
        assertUserError(run("bench", "-m", model(), "--depth", "-1"), "--depth");
        assertUserError(run("bench", "-m", model(), "--depth", "500"), "depth 500", "context");
        assertUserError(run("bench", "-m", model(), "--depth", "100", "--context", "64"), "--context");
        assertUserError(run("frobnicate"), "unknown command");
    }

    @Test
    void missingFolderAndPromptTooLong() {
        assertUserError(run("generate", "-m", tmp.resolve("nope").toString(), "-p", "x"), "nope", "not found");
        assertUserError(run("generate", "-m", model(), "--prompt-ids", "1,2,3,4,5,6,7,8,9,10", "--context", "8"),
                "context");
        assertUserError(run("generate", "-m", model(), "--prompt-ids", "1,99999"), "99999");
    }

    @Test
    void draftWithAnotherVocabularyIsRefused() {
        Path other = TinyModels.write(tmp.resolve("tiny"), TinyModels.Spec.tiny()); // vocabulary 300, not 512
        Result r = run("generate", "-m", model(), "--draft", other.toString(), "-p", "x");
        assertUserError(r, other.toString(), "vocabulary");
    }

    @Test
    void brokenModelFolders() throws IOException {
        Path src = Samples.path("models/stories260K");
        Path broken = tmp.resolve("broken");
        Files.createDirectories(broken);
        Files.copy(src.resolve("tokenizer.json"), broken.resolve("tokenizer.json"));
        // shape disagreeing with config.json
        Files.writeString(broken.resolve("config.json"),
                Files.readString(src.resolve("config.json")).replace("\"intermediate_size\": 172",
                        "\"intermediate_size\": 170"));
        Files.copy(src.resolve("model.safetensors"), broken.resolve("model.safetensors"));
        assertUserError(run("generate", "-m", broken.toString(), "-p", "x"), "gate_proj", "config.json");
        // bad JSON
        Files.writeString(broken.resolve("config.json"), "{\"hidden_size\": 64,");
        assertUserError(run("generate", "-m", broken.toString(), "-p", "x"), "config.json", "malformed JSON");
        // truncated safetensors
        Files.copy(src.resolve("config.json"), broken.resolve("config.json"),
                java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        byte[] bytes = Files.readAllBytes(src.resolve("model.safetensors"));
        Files.write(broken.resolve("model.safetensors"), java.util.Arrays.copyOf(bytes, bytes.length / 2));
        assertUserError(run("inspect", "-m", broken.toString()), "model.safetensors");
    }

    /**
     * --medusa, --eagle and --mtp draft with heads that read the target's hidden states, from a folder or built in:
     * generate's greedy text is plain decoding's, its JSON names the drafter and has the other drafters' statistics
     * (the first pass, which gives the heads their features, is not a step); chat and bench take them. A folder in
     * another format, heads for another model, a second drafter flag, or --mtp without DIR on a model whose weights
     * carry no MTP layer are refused, exit 2 with one line, before any output.
     */
    @Test
    void headDraftersReadTheTargetsHiddenStates() {
        String prompt = "Once upon a time";
        Result plain = run("generate", "-m", model(), "-p", prompt, "--temperature", "0", "-n", "40", "--json");
        Object expected = Json.parseObject(plain.out().strip(), "plain").get("generated_ids");
        String[][] drafters = {{"--medusa", Samples.path("models/stories260K-medusa").toString()},
                {"--eagle", "builtin:stories260K-eagle"}, {"--mtp", Samples.path("models/stories260K-mtp").toString()}};
        for (String[] drafter : drafters) {
            List<String> args = new java.util.ArrayList<>(List.of("generate", "-m", model(), "-p", prompt,
                    "--temperature", "0", "-n", "40", "--json", "--draft-tokens", "3"));
            args.addAll(List.of(drafter));
            Result r = run(args.toArray(new String[0]));
            assertEquals(0, r.code(), r.err());
            Map<String, Object> json = Json.parseObject(r.out().strip(), "stdout");
            assertEquals(expected, json.get("generated_ids"), drafter[0]);
            Map<?, ?> stats = (Map<?, ?>) json.get("stats");
            assertEquals(drafter[0].substring(2), stats.get("drafter"));
            assertTrue((Long) stats.get("accepted") > 0, drafter[0] + " drafts what the target takes: " + stats);
            long passes = (Long) stats.get("target_passes");
            assertEquals(passes, ((List<?>) json.get("accepted_per_step")).size());
            long accepted = ((List<?>) json.get("accepted_per_step")).stream().mapToLong(o -> (Long) o).sum();
            assertEquals(40, passes + accepted + 1, "each step emits its accepted drafts and a token; the first pass "
                    + "one token");
            assertBenchDrafts(prompt, "drafter", drafter);
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        byte[] turns = "Once upon a time\nThe end\n/stats\n".getBytes(StandardCharsets.UTF_8);
        int code = Main.run(new String[]{"chat", "-m", model(), "--mtp", "builtin:stories260K-mtp", "--temperature",
                        "0", "-n", "12", "--chat-template", "plain"}, new java.io.ByteArrayInputStream(turns),
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        assertEquals(0, code, err.toString(StandardCharsets.UTF_8));
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("by MTP builtin:stories260K-mtp"),
                err.toString(StandardCharsets.UTF_8));

        String medusa = Samples.path("models/stories260K-medusa").toString();
        String eagle = Samples.path("models/stories260K-eagle").toString();
        String draft = Samples.path("models/stories260K-draft").toString();
        assertOneLineUsageError(run("generate", "-m", model(), "-p", "x", "--eagle", medusa), "--eagle", medusa,
                "a Medusa folder", "give it to --medusa");
        assertOneLineUsageError(run("generate", "-m", model(), "-p", "x", "--medusa", "builtin:stories260K-mtp"),
                "--medusa", "an MTP module", "give it to --mtp");
        assertOneLineUsageError(run("generate", "-m", model(), "-p", "x", "--eagle", draft), "--eagle",
                "not an EAGLE folder");
        assertOneLineUsageError(run("generate", "-m", model(), "-p", "x", "--medusa", eagle), "--medusa",
                "not a Medusa folder");
        assertOneLineUsageError(run("generate", "-m", model(), "-p", "x", "--mtp", eagle), "--mtp",
                "not an MTP module");
        assertOneLineUsageError(run("generate", "-m", draft, "-p", "x", "--medusa", medusa), "--medusa",
                "\"hidden_size\" is 64", "target's is 32");
        assertOneLineUsageError(run("generate", "-m", model(), "-p", "x", "--mtp"), "--mtp without DIR",
                "give --mtp DIR");
        assertOneLineUsageError(run("generate", "-m", model(), "-p", "x", "--medusa", medusa, "--eagle", eagle),
                "--medusa", "--eagle");
        assertOneLineUsageError(run("chat", "-m", model(), "--eagle", eagle, "--ngram"), "--eagle", "--ngram");
        assertOneLineUsageError(run("bench", "-m", model(), "--medusa", medusa, "--oracle-acceptance", "1"),
                "--medusa", "--oracle-acceptance");
        assertOneLineUsageError(run("generate", "-m", model(), "-p", "x", "--medusa", "builtin:nothing"), "--medusa",
                "builtin:nothing");
    }

    /**
     * --tree W1,W2,.. drafts static trees with the heads, verified in one target pass: the text is plain decoding's
     * (greedy and sampled with the same seed), the JSON keeps every key and adds tree; bench takes it. It is refused
     * without a head flag, with widths that are not integers 1..64, deeper than Medusa's heads, or wider at depth 1
     * than a block.
     */
    @Test
    void treeDraftsMedusasStaticTrees() {
        String medusa = Samples.path("models/stories260K-medusa").toString();
        for (String[] sampling : new String[][]{{"--temperature", "0"}, {"--temperature", "1", "--seed", "7"}}) {
            List<String> base = new java.util.ArrayList<>(List.of("generate", "-m", model(), "-p",
                    "Once upon a time", "-n", "40", "--json"));
            base.addAll(List.of(sampling));
            Result plain = run(base.toArray(new String[0]));
            base.addAll(List.of("--medusa", medusa, "--tree", "4,2,1"));
            Result r = run(base.toArray(new String[0]));
            assertEquals(0, r.code(), r.err());
            Map<String, Object> json = Json.parseObject(r.out().strip(), "stdout");
            assertEquals(Json.parseObject(plain.out().strip(), "plain").get("generated_ids"), json.get("generated_ids"),
                    String.join(" ", sampling));
            Map<?, ?> stats = (Map<?, ?>) json.get("stats");
            assertEquals(List.of(4L, 2L, 1L), stats.get("tree"));
            assertEquals("medusa", stats.get("drafter"));
            assertTrue((Long) stats.get("accepted") > 0, stats.toString());
        }
        assertBenchDrafts("Once upon a time", "tree_verify_cost", "--medusa", medusa, "--tree", "3,2");
        Result alone = run("bench", "-m", model(), "--tokens", "8", "--repeats", "1", "--json", "--no-bandwidth",
                "--tree", "4,2,1");
        assertEquals(0, alone.code(), alone.err());
        Map<String, Object> b = Json.parseObject(alone.out().strip(), "bench");
        assertEquals(20L, b.get("tree_nodes"));
        assertTrue((Double) b.get("tree_verify_cost") > 0, b.toString());
        assertFalse(b.containsKey("speedup"), "the tree's block alone is timed, nothing decoded speculatively");
        assertOneLineUsageError(run("generate", "-m", model(), "-p", "x", "--tree", "4,2"), "--tree", "--medusa");
        assertOneLineUsageError(run("generate", "-m", model(), "-p", "x", "--ngram", "--tree", "4,2"), "--tree",
                "--ngram");
        Result plain = run("generate", "-m", model(), "-p", "Once upon a time", "-n", "30", "--json", "--temperature",
                "0");
        for (String head : new String[]{"--eagle", "--mtp", "--medusa", "--draft"}) {
            for (String[] shape : new String[][]{{"--tree", "3,2,2"}, {"--tree-nodes", "24"}}) {
                Result r = run("generate", "-m", model(), "-p", "Once upon a time", "-n", "30", "--json",
                        "--temperature", "0", head, "builtin:stories260K-" + head.substring(2), shape[0], shape[1]);
                assertEquals(0, r.code(), r.err());
                Map<String, Object> json = Json.parseObject(r.out().strip(), head);
                assertEquals(Json.parseObject(plain.out().strip(), "plain").get("generated_ids"),
                        json.get("generated_ids"), head + " " + shape[0]);
                if (shape[0].equals("--tree-nodes")) {
                    assertEquals(24L, ((Map<?, ?>) json.get("stats")).get("tree_dynamic_nodes"));
                }
            }
        }
        assertOneLineUsageError(run("generate", "-m", model(), "-p", "x", "--tree-nodes", "8"), "--tree-nodes",
                "--medusa");
        assertOneLineUsageError(run("generate", "-m", model(), "-p", "x", "--medusa", medusa, "--tree-nodes", "8",
                "--tree", "2"), "--tree", "--tree-nodes");
        assertOneLineUsageError(run("generate", "-m", model(), "-p", "x", "--medusa", medusa, "--tree-nodes", "0"),
                "--tree-nodes");
        for (String bad : new String[]{"4,,1", "0", "a", "4,65", ""}) {
            assertOneLineUsageError(run("generate", "-m", model(), "-p", "x", "--medusa", medusa, "--tree", bad),
                    "--tree", "'" + bad + "'");
        }
        assertOneLineUsageError(run("generate", "-m", model(), "-p", "x", "--medusa", medusa, "--tree", "2,2,2,2,2"),
                "--tree", "4 heads");
        assertOneLineUsageError(run("generate", "-m", model(), "-p", "x", "--medusa", medusa, "--tree", "64"),
                "--tree", "first width of at most");
    }

    /**
     * A model whose own weights carry its MTP layer (DeepSeek-V3 style: model.layers.{num_hidden_layers}.* in a shard
     * the index lists) drafts with it on --mtp without DIR, and a run without a drafter flag says it is there.
     */
    @Test
    void mtpCarriedByTheModelsOwnWeightsNeedsNoFolder() throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("with-mtp"));
        Path target = Samples.path("models/stories260K");
        for (String file : new String[]{"config.json", "tokenizer.json", "tokenizer_config.json"}) {
            Files.copy(target.resolve(file), dir.resolve(file));
        }
        Files.copy(target.resolve("model.safetensors"), dir.resolve("model-00001-of-00002.safetensors"));
        Files.copy(Samples.path("models/stories260K-mtp/mtp.safetensors"), dir.resolve("model-00002-of-00002.safetensors"));
        StringBuilder map = new StringBuilder();
        try (java.lang.foreign.Arena arena = java.lang.foreign.Arena.ofConfined()) {
            for (String file : new String[]{"model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors"}) {
                for (String t : org.specula.loader.SafetensorsFile.open(dir.resolve(file), arena).tensors().keySet()) {
                    map.append(map.isEmpty() ? "" : ",").append(Json.quote(t)).append(":").append(Json.quote(file));
                }
            }
        }
        Files.writeString(dir.resolve("model.safetensors.index.json"), "{\"weight_map\":{" + map + "}}");

        Result plain = run("generate", "-m", dir.toString(), "-p", "Once upon a time", "--temperature", "0", "-n",
                "30", "--json");
        assertEquals(0, plain.code(), plain.err());
        assertTrue(plain.err().contains("carries an MTP layer; --mtp drafts with it"), plain.err());
        Result r = run("generate", "-m", dir.toString(), "-p", "Once upon a time", "--temperature", "0", "-n", "30",
                "--json", "--mtp");
        assertEquals(0, r.code(), r.err());
        Map<String, Object> json = Json.parseObject(r.out().strip(), "stdout");
        assertEquals(Json.parseObject(plain.out().strip(), "plain").get("generated_ids"), json.get("generated_ids"));
        Map<?, ?> stats = (Map<?, ?>) json.get("stats");
        assertEquals("mtp", stats.get("drafter"));
        assertTrue((Long) stats.get("accepted") > 0, stats.toString());
    }

    /** bench with a drafter's flags: plain and speculative output identical, the speculative keys and its own. */
    private static void assertBenchDrafts(String prompt, String ownKey, String... drafter) {
        List<String> args = new java.util.ArrayList<>(List.of("bench", "-m", model(), "--tokens", "32", "-p", prompt,
                "--repeats", "1", "--json", "--no-bandwidth"));
        args.addAll(List.of(drafter));
        Result bench = run(args.toArray(new String[0]));
        assertEquals(0, bench.code(), bench.err());
        Map<String, Object> b = Json.parseObject(bench.out().strip(), "bench");
        assertEquals(true, b.get("identical_output"));
        for (String key : new String[]{"speedup", "acceptance_rate", "mean_accepted_per_step", ownKey}) {
            assertTrue(b.containsKey(key), key + " in " + b.keySet());
        }
    }
}
