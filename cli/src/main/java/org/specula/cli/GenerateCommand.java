package org.specula.cli;

import org.apache.commons.cli.Options;
import org.specula.loader.Tokenizer;
import org.specula.loader.chat.ChatTemplate;
import org.specula.loader.chat.Message;
import org.specula.sampling.SamplingParams;
import org.specula.speculative.Generation;
import org.specula.speculative.SpecStats;
import org.specula.speculative.StopCondition;
import org.specula.tensor.DType;
import org.specula.tensor.Kernels;
import org.specula.tensor.SpeculaException;

import java.io.InputStream;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.IntConsumer;

/** {@code specula generate}: plain or speculative (--draft) generation, streaming text or one JSON object. */
final class GenerateCommand implements Main.Command {

    @Override
    public String summary() {
        return "generate text from a prompt (speculative with --draft DIR)";
    }

    static Options options() {
        Options o = new Options();
        o.addOption(Args.value("m", "model", "DIR", "Hugging Face model folder (required)"));
        o.addOption(Args.value("p", "prompt", "TEXT", "prompt text (BOS added as the tokenizer says)"));
        o.addOption(Args.value(null, "prompt-ids", "IDS", "prompt as comma-separated token ids, used exactly"));
        o.addOption(Args.value("n", "max-tokens", "N", "tokens to generate at most (default 256)"));
        o.addOption(Args.flag(null, "ignore-eos", "keep generating after an end-of-sequence token"));
        o.addOption(Args.value(null, "draft", "DIR", "draft model folder for speculative decoding"));
        o.addOption(Args.value(null, "draft-tokens", "K", "tokens drafted per target pass (default 4)"));
        o.addOption(Args.value(null, "num-samples", "N", "independent continuations, seeds derived from --seed"));
        o.addOption(Args.flag(null, "json", "print one JSON object per sample instead of streaming text"));
        o.addOption(Args.flag(null, "chat", "treat --prompt as one user turn in the model's chat format"));
        o.addOption(Args.value(null, "system", "TEXT", "system prompt for --chat"));
        o.addOption(Args.value(null, "chat-template", "NAME", "chat format: " + String.join(", ", ChatTemplate.NAMES)
                + " (default: recognised from the model's chat_template)"));
        CommonOptions.addSampling(o);
        CommonOptions.addRuntime(o);
        return o;
    }

    @Override
    public int run(String[] argv, InputStream in, PrintStream out, PrintStream err) throws Exception {
        Args a = Args.parse("generate", options(), argv, out);
        if (a == null) {
            return 0;
        }
        if (a.has("prompt") == a.has("prompt-ids")) {
            throw new SpeculaException("give exactly one of --prompt TEXT or --prompt-ids 1,2,3");
        }
        int maxTokens = a.integer("max-tokens", 256, 0);
        int draftTokens = a.integer("draft-tokens", 4, 0);
        int samples = a.integer("num-samples", 1, 1);
        SamplingParams params = CommonOptions.sampling(a);
        long seed = CommonOptions.seed(a);
        boolean json = a.has("json");
        DType kvDType = CommonOptions.kvDType(a);
        try (Kernels kernels = CommonOptions.kernels(a);
             ModelSession target = new ModelSession(a.folder("model"), kernels, CommonOptions.weights(a));
             ModelSession draft = a.has("draft")
                     ? new ModelSession(a.folder("draft"), kernels, CommonOptions.weights(a)) : null) {
            Tokenizer tokenizer = target.tokenizer();
            Decoding decoding = new Decoding(target, draft, target.context(a), draftTokens, params, kvDType);
            int[] stopIds = target.model.config().eosIds();
            int[] prompt;
            if (a.has("chat")) {
                if (!a.has("prompt")) {
                    throw new SpeculaException("--chat needs --prompt TEXT (the user's message)");
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
                    out.println(json(prompt, g, text, sampleSeed, kernels, draftTokens));
                } else {
                    sink.accept(-1);
                    out.println();
                    report(g, sampleSeed, kernels, draftTokens, err);
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

    private static String json(int[] prompt, Generation g, String text, long seed, Kernels kernels, int k) {
        JsonOut stats = new JsonOut()
                .put("prompt_tokens", prompt.length)
                .put("prefilled_tokens", g.prefilledTokens())
                .put("generated_tokens", g.generated().length)
                .put("stop_reason", g.stopReason())
                .put("prompt_tokens_per_s", g.promptTokensPerSecond())
                .put("decode_tokens_per_s", g.decodeTokensPerSecond())
                .put("prefill_ms", g.prefillNanos() / 1e6)
                .put("decode_ms", g.decodeNanos() / 1e6)
                .put("seed", seed)
                .put("kernels", kernels.name())
                .put("threads", kernels.threads());
        JsonOut root = new JsonOut().put("prompt_ids", prompt).put("generated_ids", g.generated()).put("text", text);
        SpecStats s = g.stats();
        if (s != null) {
            stats.put("draft_tokens", k)
                    .put("target_passes", s.steps())
                    .put("drafted", s.drafted())
                    .put("accepted", s.accepted())
                    .put("acceptance_rate", s.acceptanceRate())
                    .put("mean_accepted_per_step", s.meanAcceptedPerStep())
                    .put("tokens_per_target_pass", s.tokensPerStep())
                    .put("acceptance_by_position", s.acceptanceByPosition())
                    .put("draft_ms", s.draftNanos() / 1e6)
                    .put("verify_ms", s.verifyNanos() / 1e6)
                    .put("overhead_fraction", s.overheadFraction())
                    .put("speedup_estimate", speedupEstimate(g));
            root.put("accepted_per_step", s.acceptedPerStep());
        }
        return root.put("stats", stats).toString();
    }

    /**
     * Plain decoding would cost about one verify pass per token (verify(k+1) ≈ decode(1) on a memory-bound CPU,
     * an upper estimate of plain's cost); speedup ≈ that time for all tokens / the time actually taken.
     */
    static double speedupEstimate(Generation g) {
        SpecStats s = g.stats();
        if (s.steps() == 0 || s.totalNanos() == 0) {
            return 0;
        }
        double verifyPerPass = (double) s.verifyNanos() / s.steps();
        return g.generated().length * verifyPerPass / s.totalNanos();
    }

    static void report(Generation g, long seed, Kernels kernels, int k, PrintStream err) {
        err.printf(Locale.ROOT, "prompt: %d tokens (%d fed, the rest cached), %.1f tok/s"
                        + " | decode: %d tokens, %.1f tok/s | stop: %s | seed %d | %s kernels, %d threads%n", g.promptTokens(), g.prefilledTokens() + 1,
                g.promptTokensPerSecond(),
                g.generated().length, g.decodeTokensPerSecond(), g.stopReason(), seed, kernels.name(),
                kernels.threads());
        SpecStats s = g.stats();
        if (s != null) {
            StringBuilder byPos = new StringBuilder();
            for (double v : s.acceptanceByPosition()) {
                byPos.append(String.format(Locale.ROOT, " %.2f", v));
            }
            err.printf(Locale.ROOT, "speculative: k=%d, %d target passes, acceptance %.3f, %.2f drafts accepted and "
                            + "%.2f tokens per pass, by position:%s | draft %.0f ms, verify %.0f ms, other %.1f%% | "
                            + "speedup estimate %.2fx%n", k, s.steps(), s.acceptanceRate(), s.meanAcceptedPerStep(),
                    s.tokensPerStep(), byPos, s.draftNanos() / 1e6, s.verifyNanos() / 1e6,
                    100 * s.overheadFraction(), speedupEstimate(g));
        }
    }
}
