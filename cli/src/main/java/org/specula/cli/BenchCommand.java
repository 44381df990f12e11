package org.specula.cli;

import org.apache.commons.cli.Options;
import org.specula.model.ForwardPass;
import org.specula.model.KvCache;
import org.specula.sampling.Sampler;
import org.specula.sampling.SamplingParams;
import org.specula.speculative.ChainScorer;
import org.specula.speculative.DraftLength;
import org.specula.speculative.DraftModelProposer;
import org.specula.speculative.EarlyExitProposer;
import org.specula.speculative.Generation;
import org.specula.speculative.NgramProposer;
import org.specula.speculative.OracleProposer;
import org.specula.speculative.PlainDecoder;
import org.specula.speculative.Proposer;
import org.specula.speculative.SpecStats;
import org.specula.speculative.SpeculativeDecoder;
import org.specula.speculative.StopCondition;
import org.specula.tensor.DType;
import org.specula.tensor.Kernels;
import org.specula.tensor.Tensor;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.lang.reflect.InvocationTargetException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.function.Function;
import java.util.stream.Stream;

/**
 * {@code specula bench}: prompt and decode tokens/s, the cost of a block forward of T tokens relative to one
 * (verify(T)/decode(1)), and with --draft, --ngram, --early-exit or --oracle-acceptance plain vs speculative
 * tokens/s measured in the same run. Prompts are seeded random token ids, so any model folder works, tokenizer or
 * not. Beside them, what the machine offers: memory read bandwidth ({@link Bandwidth}, for decode) and the FMA peak
 * at the kernels' vector width ({@code org.specula.cli.simd.FmaPeak}, for the prompt), with the CPU's name and the
 * vector width, so every figure says where it came from.
 */
final class BenchCommand extends Main.Command {
    static final int[] VERIFY_SIZES = {1, 2, 3, 5, 8, 16};

    BenchCommand() {
        super("measure prompt/decode speed, verification cost and speculative speedup");
    }

    @Override
    void declare(Options o) {
        CommonOptions.addModel(o, "the target model");
        CommonOptions.addDraft(o, "also measure speculative decoding");
        HeadDrafter.declare(o, "also measure speculative decoding");
        o.addOption(Args.value(null, "oracle-acceptance", "A", "benchmark proposer with acceptance rate A in [0,1]"));
        o.addOption(Args.value(null, "tokens", "N", "tokens to generate per run (default 64)"));
        o.addOption(Args.value(null, "prompt-tokens", "N", "length of the random prompt (default 64)"));
        o.addOption(Args.value(null, "depth", "D", "D random tokens of context before the prompt, prefilled once and "
                + "untimed: prompt, decode and verify are measured after them (default 0)"));
        o.addOption(Args.value("p", "prompt", "TEXT", "use this prompt instead of random token ids"));
        o.addOption(Args.value(null, "prompt-ids", "IDS", "use these token ids as the prompt"));
        o.addOption(Args.value(null, "repeats", "N", "timed repetitions, best kept (default 3)"));
        o.addOption(Args.flag(null, "json", "print one JSON object"));
        o.addOption(Args.flag(null, "no-bandwidth", "skip measuring the machine's memory read bandwidth and FMA peak"));
        CommonOptions.addSampling(o);
        CommonOptions.addRuntime(o);
    }

    @Override
    int run(Args a, InputStream in, PrintStream out, PrintStream err) throws Exception {
        int tokens = a.integer("tokens", 64, 1);
        int promptTokens = a.integer("prompt-tokens", 64, 2);
        int depth = a.integer("depth", 0, 0);
        DType kvDType = CommonOptions.kvDType(a);
        int repeats = a.integer("repeats", 3, 1);
        CommonOptions.Drafts drafts = CommonOptions.drafts(a);
        double oracle = a.has("oracle-acceptance") ? a.number("oracle-acceptance", 1, 0, 1) : -1;
        if (oracle >= 0 && (a.has("draft") || a.has("ngram") || a.has("early-exit") || HeadDrafter.chosen(a) != null)) {
            throw new UsageException("give one of --draft, --ngram, --early-exit, --medusa, --eagle, --mtp or "
                    + "--oracle-acceptance, not several");
        }
        if (oracle >= 0 && a.has("draft-p-min")) {
            throw new UsageException("--draft-p-min applies to --draft and --early-exit; the oracle drafts without "
                    + "probabilities: drop --draft-p-min");
        }
        CommonOptions.Ngram ngram = CommonOptions.ngram(a);
        int earlyExit = CommonOptions.earlyExit(a);
        HeadDrafter.chosen(a); // checked before anything loads
        HeadDrafter.treeNodes(a);
        int[] treeWidths = HeadDrafter.tree(a, true);
        SamplingParams params = a.has("temperature") ? CommonOptions.sampling(a) : SamplingParams.GREEDY;
        if (oracle >= 0 && !params.isGreedy()) {
            throw new UsageException("--oracle-acceptance needs greedy decoding (--temperature 0)");
        }
        long seed = a.has("seed") ? a.longValue("seed", 0) : 1234;
        try (Kernels kernels = CommonOptions.kernels(a, err);
             ModelSession target = ModelSession.target(a, kernels, err);
             ModelSession draft = ModelSession.draft(a, kernels);
             HeadDrafter head = HeadDrafter.open(a, target, err)) {
            int vocab = target.model.config().vocabSize();
            if (earlyExit > 0) {
                CommonOptions.checkEarlyExit(earlyExit, target.model);
            }
            int[] prompt = a.has("prompt") ? target.tokenizer().encode(a.required("prompt"), true)
                    : a.has("prompt-ids") ? a.ids("prompt-ids")
                    : new SplittableRandom(seed).ints(promptTokens, 3, vocab).toArray();
            promptTokens = prompt.length;
            // the depth prefix comes first; every timed run keeps it in the cache and feeds only the prompt
            prompt = concat(new SplittableRandom(seed + 1).ints(depth, 3, vocab).toArray(), prompt);
            int needed = prompt.length + VERIFY_SIZES[VERIFY_SIZES.length - 1];
            int context = a.has("context") ? target.context(a)
                    : Math.min(target.model.config().maxPositions(), prompt.length + tokens + 32);
            if (needed > context) {
                throw new UsageException("depth " + depth + " and a prompt of " + promptTokens + " tokens need a "
                        + "context of at least " + needed + " but it is " + context + (a.has("context")
                        ? "; raise --context" : " (the model's max_position_embeddings); lower --depth or the prompt"));
            }
            ForwardPass pass = CommonOptions.forwardPass(target.model, context, kvDType);
            // the depth prefix takes context positions too: the cap counts the whole cached sequence
            StopCondition stop = new StopCondition(Math.min(tokens, context - prompt.length), new int[0]);
            if (stop.maxTokens() < tokens) { // measured all the same, over fewer tokens: said, never silent
                err.println("specula bench: --tokens " + tokens + " capped to " + stop.maxTokens() + ": the context "
                        + "holds " + context + " positions and the depth and prompt take " + prompt.length
                        + (a.has("context") ? "; raise --context" : " (max_position_embeddings "
                        + target.model.config().maxPositions() + ")"));
            }

            if (draft != null && draft.model.config().vocabSize() != vocab) {
                throw new UsageException("--draft has a vocabulary of " + draft.model.config().vocabSize()
                        + " tokens but the target has " + vocab + "; the draft must share the tokenizer");
            }
            ForwardPass draftPass = draft == null ? null : CommonOptions.forwardPass(draft.model, context, kvDType);
            ChainScorer headScorer = head == null ? null : head.scorer(pass); // it keeps the features of the depth
            if (depth > 0) { // once, untimed: every run below truncates to the depth, not to 0
                pass.warmUp(depth);
                if (headScorer != null) {
                    headScorer.prefill(prompt, 0, depth);
                } else {
                    pass.forward(prompt, 0, depth, ForwardPass.Logits.NONE, null);
                }
                if (draftPass != null) {
                    draftPass.forward(prompt, 0, depth, ForwardPass.Logits.NONE, null);
                }
            }
            boolean speculative = draft != null || ngram != null || earlyExit > 0 || head != null || oracle >= 0;
            // one policy for the warm-up and every timed run, as a chat keeps it across turns: with auto, the timed
            // runs measure the choice it settles on, not its first steps' guesses
            DraftLength draftLength = drafts.policy();
            // a fresh proposer for each run (the oracle perturbs the given plain continuation); a head drafter's
            // decoder runs its scorer, which keeps the target's features
            Function<int[], SpeculativeDecoder> speculativeDecoder = reference -> {
                if (head != null) {
                    return new SpeculativeDecoder(headScorer, head.proposer(headScorer, params, seed, drafts.pMin()),
                            draftLength, params, seed);
                }
                Proposer proposer = draft != null ? new DraftModelProposer(draftPass, params, seed, drafts.pMin(),
                        drafts.tree(), pass.maxTreeRows() - 1)
                        : ngram != null ? new NgramProposer(vocab, ngram.min(), ngram.max())
                        : earlyExit > 0 ? new EarlyExitProposer(pass, earlyExit, params, seed, drafts.pMin())
                        : new OracleProposer(reference, oracle, vocab, seed);
                return new SpeculativeDecoder(pass, proposer, draftLength, params, seed);
            };
            Generation plain = null;
            Generation spec = null;
            int[] reference = null; // the plain continuation, which the oracle proposer perturbs
            // Untimed warm-up of both loops in short runs, for at least DECODE_WARMUP_NANOS and, when sampling, until
            // the sampler's vector exp is compiled (about a second; capped): with 3 timed repeats on a small model the
            // best was sometimes a run still executing code C2 had not compiled yet (one stories260K k = 1 run read
            // 10 % overhead outside the forwards against a steady 4 %).
            StopCondition warmupStop = new StopCondition(Math.min(stop.maxTokens(), DECODE_WARMUP_TOKENS), new int[0]);
            if (!params.isGreedy()) {
                Sampler.warmUp();
            }
            long warmupStart = System.nanoTime();
            do {
                pass.truncate(depth);
                Generation g = new PlainDecoder(pass, params, seed).generate(prompt, warmupStop, t -> { });
                if (speculative) {
                    SpeculativeDecoder decoder = speculativeDecoder.apply(concat(prompt, g.generated()));
                    if (draftPass != null) {
                        draftPass.truncate(depth);
                    }
                    pass.truncate(depth);
                    decoder.generate(prompt, warmupStop, t -> { });
                }
            } while (System.nanoTime() - warmupStart < DECODE_WARMUP_NANOS
                    || !params.isGreedy() && !Sampler.warm() && System.nanoTime() - warmupStart < SAMPLER_WARMUP_CAP);
            // Plain and speculative runs alternate, best of each kept: a slow phase of a shared machine then meets
            // both, where timing all plain runs and then all speculative ones let one phase skew the speedup.
            for (int r = 0; r < repeats; r++) {
                pass.truncate(depth); // measure the whole prompt every time, not the reuse of the cached prompt
                Generation g = new PlainDecoder(pass, params, seed).generate(prompt, stop, t -> { });
                if (plain == null || g.decodeNanos() < plain.decodeNanos()) {
                    plain = g;
                }
                if (!speculative) {
                    continue;
                }
                if (reference == null) {
                    reference = concat(prompt, g.generated());
                }
                // one seed for all repeats: best-of picks timing, not a lucky draw
                SpeculativeDecoder decoder = speculativeDecoder.apply(reference);
                if (draftPass != null) {
                    draftPass.truncate(depth);
                }
                pass.truncate(depth);
                Generation sg = decoder.generate(prompt, stop, t -> { });
                if (spec == null || sg.decodeNanos() < spec.decodeNanos()) {
                    spec = sg;
                }
            }
            double[] verifyCost = BlockCosts.verify(pass, prompt, repeats);
            int[] treeParents = treeWidths == null ? null : HeadDrafter.treeParents(treeWidths);
            if (treeParents != null && treeParents.length > pass.maxTreeRows()) {
                throw new UsageException("--tree " + a.required("tree") + " has " + (treeParents.length - 1) + " nodes "
                        + "but one target block of this model holds " + pass.maxTreeRows() + " rows with the root; "
                        + "give a smaller tree");
            }
            double[] treeCost = treeParents == null ? null : BlockCosts.tree(pass, prompt, treeParents, repeats);
            long weights = target.folder.weightBytes();
            long parameters = parameters(target);
            // read before the bandwidth probe, whose 1 GiB buffer would otherwise be the peak: the figure is the runs'
            long peakRss = peakRssBytes();
            double bandwidth = a.has("no-bandwidth") ? Double.NaN : Bandwidth.measure(kernels.threads());
            int vectorBits = vectorBits(kernels);
            double fmaPeak = a.has("no-bandwidth") ? Double.NaN : fmaPeak(kernels);
            // prompt FLOP/s as 2 flops per parameter per token (attention over the context not counted), over the peak
            double promptFlops = plain.promptTokensPerSecond() * 2.0 * parameters;
            double flopsFraction = promptFlops / (fmaPeak * 1e9);
            String cpu = cpuName();
            KvCache cache = pass.cache();
            // a decode step i (0-based) attends to prompt.length + i positions: their mean over the timed steps
            double attended = prompt.length + (plain.generated().length - 1) / 2.0;
            double kvBytesPerToken = cache.bytesPerPosition() * attended;
            double decodeFraction = plain.decodeTokensPerSecond() * (weights + kvBytesPerToken) / (bandwidth * 1e9);
            if (a.has("json")) {
                JsonOut j = new JsonOut()
                        .put("model", target.label)
                        .put("prompt_tokens_per_s", plain.promptTokensPerSecond())
                        .put("decode_tokens_per_s", plain.decodeTokensPerSecond());
                JsonOut cost = new JsonOut();
                for (int i = 0; i < VERIFY_SIZES.length; i++) {
                    cost.put(Integer.toString(VERIFY_SIZES[i]), verifyCost[i]);
                }
                j.put("verify_cost", cost);
                if (kernels.threads() == 1) { // every forward runs on this thread: its CPU time is the forward's
                    JsonOut cpuCost = new JsonOut();
                    for (int i = 0; i < VERIFY_SIZES.length; i++) {
                        cpuCost.put(Integer.toString(VERIFY_SIZES[i]), verifyCost[VERIFY_SIZES.length + i]);
                    }
                    j.put("verify_cost_cpu", cpuCost);
                }
                if (treeCost != null) {
                    j.put("tree", treeWidths).put("tree_nodes", treeParents.length - 1)
                            .put("tree_verify_cost", treeCost[0]).put("tree_verify_cost_cpu", treeCost[1]);
                }
                j
                        .put("depth", depth)
                        .put("kv_dtype", cache.dtype().name().toLowerCase(Locale.ROOT))
                        .put("kv_bytes_per_token", Math.round(kvBytesPerToken))
                        .put("kv_cache_bytes", cache.bytes())
                        .put("context", pass.context())
                        .put("decode_bandwidth_fraction", decodeFraction)
                        .put("weights_bytes", weights)
                        .put("decode_gb_per_s", plain.decodeTokensPerSecond() * weights / 1e9)
                        .put("bandwidth_gb_per_s", bandwidth)
                        .put("threads", kernels.threads())
                        .put("kernels", kernels.name())
                        .put("mmap", target.folder.mmap())
                        .put("parameters", parameters)
                        .put("vector_bits", vectorBits)
                        .put("cpu", cpu)
                        .put("fma_peak_gflops", fmaPeak)
                        .put("prompt_flops_fraction", flopsFraction);
                if (peakRss > 0) {
                    j.put("peak_rss_bytes", peakRss);
                } else {
                    j.putRaw("peak_rss_bytes", "null");
                }
                if (spec != null) {
                    SpecStats s = spec.stats();
                    j.put("plain_tokens_per_s", plain.decodeTokensPerSecond())
                            .put("spec_tokens_per_s", spec.decodeTokensPerSecond())
                            .put("speedup", spec.decodeTokensPerSecond() / plain.decodeTokensPerSecond())
                            .put("drafter", oracle >= 0 ? "oracle" : CommonOptions.drafterKey(ngram, earlyExit, head))
                            .put("draft_tokens", drafts.k()) // auto's max: scripts read it as a number
                            .put("draft_tokens_auto", drafts.auto())
                            .put("mean_draft_tokens", s.meanDraftTokens())
                            .put("mean_drafted_per_step", s.steps() == 0 ? 0 : (double) s.drafted() / s.steps())
                            .put("draft_p_min", drafts.pMin())
                            .put("acceptance_rate", s.acceptanceRate())
                            .put("mean_accepted_per_step", s.meanAcceptedPerStep())
                            .put("tokens_per_target_pass", s.tokensPerStep())
                            .put("overhead_fraction", s.overheadFraction())
                            .put("identical_output", Arrays.equals(plain.generated(), spec.generated())
                                    || !params.isGreedy());
                    if (oracle >= 0) {
                        j.put("oracle_acceptance", oracle);
                    }
                    if (drafts.tree() != null && !drafts.tree().isStatic()) {
                        j.put("tree_dynamic_nodes", drafts.tree().nodes());
                    }
                    if (ngram != null) {
                        j.put("ngram_max", ngram.max()).put("ngram_min", ngram.min());
                    }
                    if (earlyExit > 0) {
                        j.put("early_exit_layers", earlyExit);
                    }
                }
                out.println(j);
            } else {
                String width = vectorBits > 0 ? vectorBits + "-bit vectors" : "no vectors";
                out.printf(Locale.ROOT, "%s: %s kernels, %s, %d threads, CPU %s, weights %.1f MB "
                                + "(%.3g M parameters)%n", target.label, kernels.name(), width,
                        kernels.threads(), cpu, weights / 1e6, parameters / 1e6);
                out.printf(Locale.ROOT, "prompt  %.1f tok/s (%d tokens; %.3g GFLOP/s at 2 flops per parameter%s)%n",
                        plain.promptTokensPerSecond(), promptTokens, promptFlops / 1e9, Double.isNaN(fmaPeak) ? ""
                                : String.format(Locale.ROOT, ", %.3g %% of an FMA peak of %.1f GFLOP/s",
                                        flopsFraction * 100, fmaPeak));
                out.printf(Locale.ROOT, "decode  %.1f tok/s (%.2f GB/s of weights; memory reads %s)%n",
                        plain.decodeTokensPerSecond(), plain.decodeTokensPerSecond() * weights / 1e9,
                        Double.isNaN(bandwidth) ? "not measured (--no-bandwidth)"
                                : String.format(Locale.ROOT, "%.2f GB/s", bandwidth));
                out.printf(Locale.ROOT, "kv cache %s, %d positions, %.1f MB; depth %d, decode reads %.1f MB of it per "
                                + "token%s%n", cache.dtype().name().toLowerCase(Locale.ROOT), pass.context(),
                        cache.bytes() / 1e6, depth, kvBytesPerToken / 1e6, Double.isNaN(decodeFraction) ? ""
                                : String.format(Locale.ROOT, " (weights + kv at %.0f %% of the memory reads)",
                                        decodeFraction * 100));
                out.println(peakRss > 0 ? String.format(Locale.ROOT, "peak RSS %.1f MB (before the bandwidth probe)",
                        peakRss / 1e6) : "peak RSS not available (no /proc/self/status)");
                StringBuilder sb = new StringBuilder("verify(T)/decode(1):");
                for (int i = 0; i < VERIFY_SIZES.length; i++) {
                    sb.append(String.format(Locale.ROOT, " T=%d %.2f", VERIFY_SIZES[i], verifyCost[i]));
                }
                out.println(sb);
                if (treeCost != null) {
                    out.printf(Locale.ROOT, "tree %s (%d nodes and the root, one block)/decode(1): %.2f%n",
                            a.required("tree"), treeParents.length - 1, treeCost[0]);
                }
                if (spec != null) {
                    SpecStats s = spec.stats();
                    out.printf(Locale.ROOT, "speculative (%s, k=%s%s): %.1f tok/s vs plain %.1f tok/s = %.2fx | "
                                    + "acceptance %.3f, %.2f accepted and %.2f tokens per target pass%n",
                            draft != null ? "draft " + draft.label : ngram != null ? ngram.label()
                                    : earlyExit > 0 ? CommonOptions.earlyExitLabel(earlyExit)
                                    : head != null ? head.label
                                    : "oracle a=" + oracle, drafts.label(),
                            drafts.auto() ? String.format(Locale.ROOT, ", %.2f asked and %.2f drafted per pass",
                                    s.meanDraftTokens(), (double) s.drafted() / Math.max(1, s.steps())) : "",
                            spec.decodeTokensPerSecond(), plain.decodeTokensPerSecond(),
                            spec.decodeTokensPerSecond() / plain.decodeTokensPerSecond(), s.acceptanceRate(),
                            s.meanAcceptedPerStep(), s.tokensPerStep());
                }
            }
        }
        return 0;
    }

    /** How long, and in runs of how many tokens, the decode loops run untimed before the timed repeats. */
    static final long DECODE_WARMUP_NANOS = 1_000_000_000L;
    static final int DECODE_WARMUP_TOKENS = 16;
    static final long SAMPLER_WARMUP_CAP = 30_000_000_000L;

    /** Weights of all the model's tensors (a tied embedding counted once, as it is stored once). */
    static long parameters(ModelSession session) {
        long sum = 0;
        for (Tensor t : session.folder.tensors().values()) {
            sum += t.elementCount();
        }
        return sum;
    }

    /** Loaded by name, as the kernels are: it links against jdk.incubator.vector. */
    static final String FMA_PEAK_CLASS = "org.specula.cli.simd.FmaPeak";

    /** The SIMD kernels' vector width in bits ({@code SimdKernels.vectorBits()}); 0 for scalar kernels. */
    static int vectorBits(Kernels kernels) throws InterruptedException {
        return "simd".equals(kernels.name()) ? (int) call(kernels.getClass(), "vectorBits", kernels) : 0;
    }

    /**
     * The FmaPeak probe at the kernels' vector width on their threads; with scalar kernels, at the width the SIMD
     * kernels would use (the machine's peak all the same). NaN without jdk.incubator.vector or with a CPU that has no
     * 128-bit or wider vectors.
     */
    static double fmaPeak(Kernels kernels) throws InterruptedException {
        if (ModuleLayer.boot().findModule("jdk.incubator.vector").isEmpty()) {
            return Double.NaN;
        }
        Class<?> probe;
        try {
            probe = Class.forName(FMA_PEAK_CLASS);
        } catch (ClassNotFoundException | LinkageError e) {
            return Double.NaN;
        }
        int bits = vectorBits(kernels);
        if (bits == 0) {
            bits = (int) call(probe, "kernelBits", null);
        }
        return bits == 128 || bits == 256 || bits == 512
                ? (double) call(probe, "measure", null, kernels.threads(), bits) : Double.NaN;
    }

    /** The public method {@code name} of type (on target, null for a static one) called with int arguments. */
    private static Object call(Class<?> type, String name, Object target, int... args) throws InterruptedException {
        Class<?>[] types = new Class<?>[args.length];
        Object[] values = new Object[args.length];
        for (int i = 0; i < args.length; i++) {
            types[i] = int.class;
            values[i] = args[i];
        }
        try {
            return type.getMethod(name, types).invoke(target, values);
        } catch (InvocationTargetException e) {
            switch (e.getCause()) {
                case InterruptedException i -> throw i;
                case RuntimeException r -> throw r;
                case Error err -> throw err;
                case null, default -> throw new IllegalStateException(e);
            }
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(type.getName() + "." + name + ": " + e, e);
        }
    }

    /** The process's peak resident set in bytes (VmHWM of /proc/self/status), or -1 where there is none (not Linux). */
    static long peakRssBytes() {
        try (Stream<String> lines = Files.lines(Path.of("/proc/self/status"))) {
            Optional<String> hwm = lines.filter(l -> l.startsWith("VmHWM:")).findFirst();
            if (hwm.isPresent()) {
                String[] f = hwm.get().substring("VmHWM:".length()).strip().split("\\s+");
                return f.length == 2 && f[1].equals("kB") ? Long.parseLong(f[0]) * 1024 : -1;
            }
        } catch (IOException | UncheckedIOException | SecurityException | NumberFormatException e) {
            // not Linux, or not readable: no figure
        }
        return -1;
    }

    /** The first "model name" of /proc/cpuinfo, or os.arch where there is none. */
    static String cpuName() {
        try (Stream<String> lines = Files.lines(Path.of("/proc/cpuinfo"))) {
            Optional<String> name = lines.filter(l -> l.startsWith("model name") && l.indexOf(':') > 0)
                    .map(l -> l.substring(l.indexOf(':') + 1).strip()).filter(n -> !n.isEmpty()).findFirst();
            if (name.isPresent()) {
                return name.get();
            }
        } catch (IOException | UncheckedIOException | SecurityException e) {
            // not Linux, or not readable: fall through
        }
        return System.getProperty("os.arch");
    }

    private static int[] concat(int[] a, int[] b) {
        int[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
