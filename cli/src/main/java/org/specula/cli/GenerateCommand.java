package org.specula.cli;

import org.apache.commons.cli.Options;
import org.specula.loader.chat.ChatTemplate;
import org.specula.loader.chat.Message;
import org.specula.loader.tokenizer.Tokenizer;
import org.specula.sampling.SamplingParams;
import org.specula.speculative.Generation;
import org.specula.speculative.SpecStats;
import org.specula.speculative.StopCondition;
import org.specula.tensor.DType;
import org.specula.tensor.Kernels;

import java.io.InputStream;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.IntConsumer;

/**
 * {@code specula generate}: plain or speculative (--draft, --ngram, --early-exit) generation, streaming text or one
 * JSON object.
 */
final class GenerateCommand extends Main.Command {

    GenerateCommand() {
        super("generate text from a prompt (speculative with --draft DIR, --ngram or --early-exit L)");
    }

    @Override
    void declare(Options o) {
        CommonOptions.addModel(o, "the model to run");
        o.addOption(Args.value("p", "prompt", "TEXT", "prompt text (BOS added as the tokenizer says)"));
        o.addOption(Args.value(null, "prompt-ids", "IDS", "prompt as comma-separated token ids, used exactly"));
        o.addOption(Args.value("n", "max-tokens", "N", "tokens to generate at most (default 256)"));
        o.addOption(Args.flag(null, "ignore-eos", "keep generating after an end-of-sequence token"));
        CommonOptions.addDraft(o, "decode speculatively");
        HeadDrafter.declare(o, "decode speculatively");
        o.addOption(Args.value(null, "num-samples", "N", "independent continuations, seeds derived from --seed"));
        o.addOption(Args.flag(null, "json", "print one JSON object per sample instead of streaming text"));
        o.addOption(Args.flag(null, "chat", "treat --prompt as one user turn in the model's chat format"));
        CommonOptions.addChat(o, "system prompt for --chat");
        CommonOptions.addSampling(o);
        CommonOptions.addRuntime(o);
    }

    @Override
    int run(Args a, InputStream in, PrintStream out, PrintStream err) throws Exception {
        if (a.has("prompt") == a.has("prompt-ids")) {
            throw new UsageException("give exactly one of --prompt TEXT or --prompt-ids 1,2,3");
        }
        int maxTokens = a.integer("max-tokens", 256, 0);
        CommonOptions.Drafts drafts = CommonOptions.drafts(a);
        CommonOptions.Ngram ngram = CommonOptions.ngram(a);
        int earlyExit = CommonOptions.earlyExit(a);
        HeadDrafter.chosen(a); // checked before anything loads
        HeadDrafter.treeNodes(a);
        HeadDrafter.tree(a);
        int samples = a.integer("num-samples", 1, 1);
        SamplingParams params = CommonOptions.sampling(a);
        long seed = CommonOptions.seed(a);
        boolean json = a.has("json");
        DType kvDType = CommonOptions.kvDType(a);
        try (Kernels kernels = CommonOptions.kernels(a, err);
             ModelSession target = ModelSession.target(a, kernels, err);
             ModelSession draft = ModelSession.draft(a, kernels);
             HeadDrafter head = HeadDrafter.open(a, target, err)) {
            Tokenizer tokenizer = target.tokenizer();
            Decoding decoding = new Decoding(target, draft, ngram, earlyExit, head, target.context(a), drafts, params,
                    kvDType);
            int[] stopIds = target.model.config().eosIds();
            int[] prompt;
            if (a.has("chat")) {
                if (!a.has("prompt")) {
                    throw new UsageException("--chat needs --prompt TEXT (the user's message)");
                }
                ChatTemplate template = ChatCommand.template(a, tokenizer);
                List<Message> messages = new ArrayList<>();
                if (a.has("system")) {
                    messages.add(Message.system(a.required("system")));
                }
                messages.add(Message.user(a.required("prompt")));
                prompt = template.encode(tokenizer, messages, true);
                stopIds = ChatCommand.union(stopIds, template.stopIds(tokenizer));
            } else {
                prompt = a.has("prompt") ? tokenizer.encode(a.required("prompt"), true) : a.ids("prompt-ids");
            }
            decoding.checkPrompt(prompt); // the prompt is echoed below only once it is known to fit
            StopCondition stop = new StopCondition(maxTokens, a.has("ignore-eos") ? new int[0] : stopIds);
            for (int s = 0; s < samples; s++) {
                long sampleSeed = samples == 1 ? seed : derivedSeed(seed, s);
                if (!json && samples > 1) {
                    out.println("--- sample " + (s + 1) + " (seed " + sampleSeed + ") ---");
                }
                IntConsumer sink = json ? t -> { } : streamer(tokenizer, out);
                if (!json && !a.has("chat")) {
                    out.print(a.has("prompt") ? a.required("prompt") : tokenizer.decode(prompt));
                    out.flush();
                }
                Generation g = decoding.generate(prompt, stop, sampleSeed, sink);
                if (json) {
                    String text = continuationText(tokenizer, g.generated());
                    out.println(json(prompt, g, text, sampleSeed, kernels, drafts, ngram, earlyExit, head));
                } else {
                    sink.accept(-1);
                    out.println();
                    report(g, sampleSeed, kernels, drafts, err);
                }
            }
        }
        return 0;
    }

    static long derivedSeed(long seed, int index) {
        long z = seed + 0x9E3779B97F4A7C15L * (index + 1);
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return (z ^ (z >>> 31)) >>> 1;
    }

    /** Streams generated tokens as text; id -1 flushes what the decoder held back. */
    private static IntConsumer streamer(Tokenizer tokenizer, PrintStream out) {
        Tokenizer.StreamDecoder decoder = tokenizer.newStreamDecoder(false);
        return id -> {
            out.print(id < 0 ? decoder.finish() : decoder.accept(id));
            out.flush();
        };
    }

    /** Text of generated ids as they continue a prompt (a leading space is kept). */
    static String continuationText(Tokenizer tokenizer, int[] ids) {
        Tokenizer.StreamDecoder decoder = tokenizer.newStreamDecoder(false);
        StringBuilder sb = new StringBuilder();
        for (int id : ids) {
            sb.append(decoder.accept(id));
        }
        return sb.append(decoder.finish()).toString();
    }

    private static String json(int[] prompt, Generation g, String text, long seed, Kernels kernels,
                               CommonOptions.Drafts drafts, CommonOptions.Ngram ngram, int earlyExit,
                               HeadDrafter head) {
        JsonOut stats = new JsonOut()
                .put("prompt_tokens", prompt.length)
                .put("prefilled_tokens", g.prefilledTokens())
                .put("generated_tokens", g.generated().length)
                .put("stop_reason", g.stopReason().label())
                .put("prompt_tokens_per_s", prefillTimed(g) ? g.promptTokensPerSecond() : Double.NaN)
                .put("decode_tokens_per_s", g.generated().length > 0 ? g.decodeTokensPerSecond() : Double.NaN)
                .put("prefill_ms", g.prefillNanos() / 1e6)
                .put("decode_ms", g.decodeNanos() / 1e6)
                .put("seed", seed)
                .put("kernels", kernels.name())
                .put("threads", kernels.threads());
        JsonOut root = new JsonOut().put("prompt_ids", prompt).put("generated_ids", g.generated()).put("text", text);
        SpecStats s = g.stats();
        if (s.speculative()) {
            stats.put("drafter", CommonOptions.drafterKey(ngram, earlyExit, head))
                    .put("draft_tokens", drafts.k()) // auto's max: scripts read it as a number
                    .put("draft_tokens_auto", drafts.auto())
                    .put("mean_draft_tokens", s.meanDraftTokens())
                    .put("draft_p_min", drafts.pMin())
                    .put("target_passes", s.steps())
                    .put("drafted", s.drafted())
                    .put("accepted", s.accepted())
                    .put("acceptance_rate", s.acceptanceRate())
                    .put("mean_drafted_per_step", s.steps() == 0 ? 0 : (double) s.drafted() / s.steps())
                    .put("mean_accepted_per_step", s.meanAcceptedPerStep())
                    .put("tokens_per_target_pass", s.tokensPerStep())
                    .put("acceptance_by_position", s.acceptanceByPosition())
                    .put("draft_ms", s.draftNanos() / 1e6)
                    .put("verify_ms", s.verifyNanos() / 1e6)
                    .put("overhead_fraction", s.overheadFraction())
                    .put("speedup_estimate", Double.NaN); // null: not measured by generate, see NO_SPEEDUP
            if (ngram != null) {
                stats.put("ngram_max", ngram.max()).put("ngram_min", ngram.min());
            }
            if (earlyExit > 0) {
                stats.put("early_exit_layers", earlyExit);
            }
            if (drafts.tree() != null) {
                if (drafts.tree().isStatic()) {
                    stats.put("tree", drafts.tree().widths());
                } else {
                    stats.put("tree_dynamic_nodes", drafts.tree().nodes());
                }
            }
            root.put("accepted_per_step", s.acceptedPerStep());
        }
        return root.put("stats", stats).toString();
    }

    /**
     * Whether the prefill fed any tokens, so its tok/s is a measurement (a 1-token or fully cached prompt has none).
     */
    static boolean prefillTimed(Generation g) {
        return g.prefilledTokens() > 0 && g.prefillNanos() > 0;
    }

    /**
     * Why generate prints no speedup: a fair one needs plain decoding timed under the same conditions, and a run's own
     * time includes compiling its code, so a plain step timed beside it compares unlike things (bench/LOG.md, session
     * 12). bench --draft times both loops, warmed and alternated. The JSON keeps the key speedup_estimate, as null.
     */
    static final String NO_SPEEDUP = "speedup not measured here (bench --draft times plain and speculative decoding "
            + "alike)";

    /**
     * The statistics line(s) of one reply: every figure is measured in this run; a rate with nothing timed under it
     * is said to be so rather than printed as 0.0, and no speedup is printed ({@link #NO_SPEEDUP}).
     */
    static void report(Generation g, long seed, Kernels kernels, CommonOptions.Drafts drafts, PrintStream err) {
        int cached = g.promptTokens() - 1 - g.prefilledTokens();
        String prompt = String.format(Locale.ROOT, "prompt: %d tokens (%d prefilled%s, the last fed by the first "
                        + "step), %s", g.promptTokens(), g.prefilledTokens(),
                cached > 0 ? ", " + cached + " reused from the cache" : "",
                prefillTimed(g) ? String.format(Locale.ROOT, "prefill %.1f tok/s", g.promptTokensPerSecond())
                        : "no prefill to time");
        String decode = g.generated().length > 0
                ? String.format(Locale.ROOT, "decode: %d tokens, %.1f tok/s", g.generated().length,
                        g.decodeTokensPerSecond())
                : "decode: 0 tokens, nothing to time";
        err.printf(Locale.ROOT, "%s | %s | stop: %s | seed %d | %s kernels, %d threads%n", prompt, decode,
                g.stopReason().label(), seed, kernels.name(), kernels.threads());
        SpecStats s = g.stats();
        if (s.speculative()) {
            StringBuilder byPos = new StringBuilder();
            for (double v : s.acceptanceByPosition()) {
                byPos.append(String.format(Locale.ROOT, " %.2f", v));
            }
            double drafted = s.steps() == 0 ? 0 : (double) s.drafted() / s.steps();
            String k = drafts.auto() ? String.format(Locale.ROOT, "%s, %.2f asked per pass", drafts.label(),
                    s.meanDraftTokens()) : drafts.label();
            err.printf(Locale.ROOT, "speculative: k=%s, %d target passes, %d drafts proposed (%.2f per pass) and %d "
                            + "accepted (%.2f per pass): acceptance %.3f, %.2f tokens per pass, by position:%s | draft "
                            + "%.0f ms, verify %.0f ms, other %.1f%% | %s%n", k, s.steps(), s.drafted(), drafted,
                    s.accepted(), s.meanAcceptedPerStep(), s.acceptanceRate(), s.tokensPerStep(), byPos,
                    s.draftNanos() / 1e6, s.verifyNanos() / 1e6, 100 * s.overheadFraction(), NO_SPEEDUP);
        }
    }
}
