package org.specula.cli;

import org.apache.commons.cli.Options;
import org.specula.loader.ModelFolder;
import org.specula.model.ForwardPass;
import org.specula.model.Llama;
import org.specula.sampling.SamplingParams;
import org.specula.speculative.DraftLength;
import org.specula.tensor.DType;
import org.specula.tensor.Kernels;
import org.specula.tensor.KernelsFactory;
import org.specula.tensor.SpeculaException;

import java.util.List;

/** Options shared by the commands that run a model. */
final class CommonOptions {
    private CommonOptions() {
    }

    /** -m/--model, declared once: a folder or builtin:NAME, defaulting to the built-in model. */
    static void addModel(Options o, String what) {
        o.addOption(Args.value("m", "model", "DIR", what + ": a Hugging Face folder or builtin:NAME (default: "
                + BuiltinModels.PREFIX + BuiltinModels.DEFAULT + ")"));
    }

    /**
     * --draft DIR, --ngram or --early-exit L, and --draft-tokens: declared once, for the commands that decode
     * speculatively.
     */
    static void addDraft(Options o, String what) {
        o.addOption(Args.value(null, "draft", "DIR", "draft model folder or builtin:NAME: " + what));
        o.addOption(Args.flag(null, "ngram", "draft by n-gram prompt lookup instead, no second model: " + what));
        o.addOption(Args.value(null, "early-exit", "L", "draft with the target's first L layers and its head "
                + "instead (self-speculation), no second model: " + what));
        o.addOption(Args.value(null, "ngram-max", "N", "--ngram matches the last N tokens first (default 3)"));
        o.addOption(Args.value(null, "ngram-min", "N", "--ngram matches down to the last N tokens (default 1)"));
        o.addOption(Args.value(null, "draft-tokens", "K", "tokens drafted per target pass, or auto: chosen each "
                + "pass from the measured acceptance and costs (default 4)"));
        o.addOption(Args.value(null, "draft-tokens-max", "N", "the most --draft-tokens auto drafts (default 8)"));
        o.addOption(Args.value(null, "draft-p-min", "P", "--draft and --early-exit stop drafting before a token "
                + "their softmax gives less than P, 0 = never (default 0)"));
    }

    /**
     * How long each step's draft is: k tokens, or with auto chosen each step in 0..k ({@link DraftLength#adaptive});
     * pMin stops a model drafter early. k is the JSON's draft_tokens either way, so scripts reading it as a number
     * keep working.
     */
    record Drafts(int k, boolean auto, double pMin, org.specula.speculative.TreeShape tree) {
        /** A new policy: an adaptive one learns from its decoder's steps, so each decoder takes its own. */
        DraftLength policy() {
            return auto ? DraftLength.adaptive(k) : DraftLength.fixed(k);
        }

        /** As the statistics lines name k: "4", or "auto (max 8)", and the trees: "4, tree 4,2,1". */
        String label() {
            return (auto ? "auto (max " + k + ")" : Integer.toString(k)) + (tree == null ? "" : ", " + tree);
        }
    }

    /**
     * --draft-tokens K or auto, --draft-tokens-max and --draft-p-min checked before anything loads:
     * --draft-tokens-max only beside auto, --draft-p-min in [0, 1] and not with --ngram, whose drafts carry no
     * probabilities (it stops where its match ends).
     */
    static Drafts drafts(Args a) {
        boolean auto = a.string("draft-tokens", "").strip().equals("auto");
        if (!auto && a.has("draft-tokens-max")) {
            throw new UsageException("--draft-tokens-max bounds --draft-tokens auto; add --draft-tokens auto or drop "
                    + "--draft-tokens-max");
        }
        int k;
        if (auto) {
            k = a.integer("draft-tokens-max", 8, 1);
        } else {
            try {
                k = a.integer("draft-tokens", 4, 0);
            } catch (UsageException e) {
                throw new UsageException("--draft-tokens must be an integer >= 0 or auto (got '"
                        + a.string("draft-tokens", "") + "')");
            }
        }
        double pMin = a.number("draft-p-min", 0, 0, 1);
        if (a.has("draft-p-min") && a.has("ngram")) {
            throw new UsageException("--draft-p-min applies to --draft and --early-exit; --ngram stops where its match "
                    + "ends: drop --draft-p-min");
        }
        return new Drafts(k, auto, pMin, HeadDrafter.shape(a));
    }

    /** --ngram's lengths: the last max tokens are looked up first, then shorter suffixes down to min. */
    record Ngram(int min, int max) {
        String label() {
            return "n-gram lookup, n " + max + " down to " + min;
        }
    }

    /**
     * --ngram, --ngram-max and --ngram-min checked before anything loads (null without --ngram): it is refused beside
     * --draft, as are its lengths without it or out of 1 &lt;= min &lt;= max.
     */
    static Ngram ngram(Args a) {
        if (!a.has("ngram")) {
            for (String flag : new String[]{"ngram-max", "ngram-min"}) {
                if (a.has(flag)) {
                    throw new UsageException("--" + flag + " sets the n-gram drafter's lengths; add --ngram");
                }
            }
            return null;
        }
        if (a.has("draft")) {
            throw new UsageException("--ngram and --draft each choose the drafter; give one of them");
        }
        int max = a.integer("ngram-max", 3, 1);
        int min = a.integer("ngram-min", 1, 1);
        if (min > max) {
            throw new UsageException("--ngram-min " + min + " exceeds --ngram-max " + max + "; give --ngram-min "
                    + max + " or less, or raise --ngram-max");
        }
        return new Ngram(min, max);
    }

    /**
     * --early-exit's layer count checked before anything loads (0 without --early-exit): it is refused beside --draft
     * and --ngram, and below 1; {@link #checkEarlyExit} holds it below the model's layer count once that is loaded.
     */
    static int earlyExit(Args a) {
        if (!a.has("early-exit")) {
            return 0;
        }
        for (String flag : new String[]{"draft", "ngram"}) {
            if (a.has(flag)) {
                throw new UsageException("--early-exit and --" + flag + " each choose the drafter; give one of them");
            }
        }
        return a.integer("early-exit", 1, 1);
    }

    /** Refuses --early-exit L unless 1 &lt;= L &lt; the target's layers (the exit must skip at least one). */
    static void checkEarlyExit(int layers, Llama target) {
        int numLayers = target.config().numLayers();
        if (layers >= numLayers) {
            throw new UsageException("--early-exit " + layers + " must leave layers to skip: the model has "
                    + numLayers + ", give --early-exit 1.." + (numLayers - 1));
        }
    }

    /**
     * The JSON's drafter key of a speculative run: draft_model, ngram, early_exit, or the head flag (medusa, eagle,
     * mtp).
     */
    static String drafterKey(Ngram ngram, int earlyExit, HeadDrafter head) {
        return head != null ? head.flag : ngram != null ? "ngram" : earlyExit > 0 ? "early_exit" : "draft_model";
    }

    /** What --early-exit drafts with, for the statistics lines. */
    static String earlyExitLabel(int layers) {
        return "early exit after " + layers + " layers";
    }

    /** --system and --chat-template, declared once for chat and generate --chat. */
    static void addChat(Options o, String system) {
        o.addOption(Args.value(null, "system", "TEXT", system));
        o.addOption(Args.value(null, "chat-template", "NAME", "chat format: "
                + String.join(", ", org.specula.loader.chat.ChatTemplate.NAMES)
                + " (default: recognised from the model's chat_template)"));
    }

    static void addRuntime(Options o) {
        o.addOption(Args.value("t", "threads", "N", "worker threads (default: available processors)"));
        o.addOption(Args.value(null, "context", "N", "KV cache length (default: min(max_position_embeddings, 4096))"));
        o.addOption(Args.value(null, "kv-dtype", "TYPE", "KV cache element type: f32, bf16 or f16 (default: the "
                + "model's weight dtype)"));
        o.addOption(Args.value(null, "kernels", "NAME", "auto (SIMD when available), simd or scalar (default auto)"));
        o.addOption(Args.flag(null, "no-mmap",
                "copy weights into memory (huge pages advised, 64-byte aligned) instead of mapping"));
        o.addOption(Args.flag(null, "mmap", "map weights even from files whose tensors are not 64-byte aligned "
                + "(default: map aligned files, copy the others)"));
    }

    static void addSampling(Options o) {
        o.addOption(Args.value(null, "temperature", "T", "sampling temperature, 0 = greedy (default 0.8)"));
        o.addOption(Args.value(null, "top-k", "K", "keep the K most likely tokens, 0 = off (default 40)"));
        o.addOption(Args.value(null, "top-p", "P", "nucleus sampling mass in (0, 1], 1 = off (default 0.95)"));
        o.addOption(Args.value(null, "min-p", "P",
                "drop tokens below P x the top probability, 0 = off (default 0.05)"));
        o.addOption(Args.value(null, "seed", "N", "random seed (default: random, printed in the statistics)"));
    }

    /** --mmap, --no-mmap or neither (map the files whose tensors are 64-byte aligned, copy the others). */
    static ModelFolder.Weights weights(Args a) {
        if (a.has("mmap") && a.has("no-mmap")) {
            throw new UsageException("--mmap and --no-mmap contradict each other; give at most one");
        }
        return a.has("mmap") ? ModelFolder.Weights.MAP
                : a.has("no-mmap") ? ModelFolder.Weights.COPY : ModelFolder.Weights.AUTO;
    }

    /** --kv-dtype parsed (null: each model's own default, {@link Llama#defaultKvDType()}); call before any output. */
    static DType kvDType(Args a) {
        if (!a.has("kv-dtype")) {
            return null;
        }
        String name = a.required("kv-dtype");
        return switch (name.trim().toLowerCase(java.util.Locale.ROOT)) {
            case "f32" -> DType.F32;
            case "bf16" -> DType.BF16;
            case "f16" -> DType.F16;
            default -> throw new UsageException("--kv-dtype " + name + " is not one of f32, bf16, f16");
        };
    }

    /** A forward pass of model over context positions with the KV dtype asked for, or the model's default. */
    static ForwardPass forwardPass(Llama model, int context, DType kvDType) {
        return kvDType == null ? model.newForwardPass(context) : model.newForwardPass(context, kvDType);
    }

    /**
     * --kernels and --threads checked before any thread starts: more threads than available processors only
     * contend (and a large count runs the machine out of threads), and the scalar kernels run on one thread, so
     * either is refused rather than capped. When "auto" falls back to scalar, the line saying why also says that
     * --threads no longer applies.
     */
    static Kernels kernels(Args a, java.io.PrintStream err) {
        int processors = Runtime.getRuntime().availableProcessors();
        int threads = a.integer("threads", processors, 1);
        String name = a.string("kernels", "auto");
        if (name.equals("scalar") && threads > 1 && a.has("threads")) {
            throw new UsageException("--kernels scalar runs on one thread; drop --threads " + threads
                    + " or use --kernels simd");
        }
        if (threads > processors) {
            throw new UsageException("--threads " + threads + " exceeds the " + processors + " available "
                    + "processors; give --threads " + processors + " or fewer");
        }
        if (!List.of("auto", "simd", "scalar").contains(name)) {
            throw new UsageException("--kernels " + name + " is not one of auto, simd, scalar");
        }
        Kernels kernels;
        try {
            kernels = KernelsFactory.create(name, threads);
        } catch (SpeculaException e) { // the library says what failed; the flags that choose otherwise are ours
            throw new UsageException("--kernels " + name + " --threads " + threads + ": " + e.getMessage()
                    + " (--threads N, --kernels scalar)");
        }
        if (a.has("threads") && kernels.threads() != threads) {
            err.println("specula: --threads " + threads + " does not apply: " + kernels.name()
                    + " kernels run on " + kernels.threads() + " thread" + (kernels.threads() == 1 ? "" : "s"));
        }
        return kernels;
    }

    static SamplingParams sampling(Args a) {
        float temperature = (float) a.number("temperature", 0.8, 0, 100);
        int topK = a.integer("top-k", 40, 0);
        float topP = (float) a.number("top-p", 0.95, Double.MIN_VALUE, 1);
        float minP = (float) a.number("min-p", 0.05, 0, 1);
        return new SamplingParams(temperature, topK, topP, minP);
    }

    static long seed(Args a) {
        return a.has("seed") ? a.longValue("seed", 0) : new java.security.SecureRandom().nextLong() >>> 1;
    }
}
