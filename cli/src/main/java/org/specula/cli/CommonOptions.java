package org.specula.cli;

import org.apache.commons.cli.Options;
import org.specula.loader.ModelFolder;
import org.specula.sampling.SamplingParams;
import org.specula.tensor.Kernels;
import org.specula.tensor.KernelsFactory;
import org.specula.tensor.SpeculaException;

/** Options shared by the commands that run a model. */
final class CommonOptions {
    private CommonOptions() {
    }

    static void addRuntime(Options o) {
        o.addOption(Args.value("t", "threads", "N", "worker threads (default: available processors)"));
        o.addOption(Args.value(null, "context", "N", "KV cache length (default: min(max_position_embeddings, 4096))"));
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
            throw new SpeculaException("--mmap and --no-mmap contradict each other; give at most one");
        }
        return a.has("mmap") ? ModelFolder.Weights.MAP
                : a.has("no-mmap") ? ModelFolder.Weights.COPY : ModelFolder.Weights.AUTO;
    }

    static Kernels kernels(Args a) {
        int threads = a.integer("threads", Runtime.getRuntime().availableProcessors(), 1);
        return KernelsFactory.create(a.string("kernels", "auto"), threads);
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
