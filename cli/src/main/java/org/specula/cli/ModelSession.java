package org.specula.cli;

import org.specula.loader.ModelFolder;
import org.specula.loader.tokenizer.Tokenizer;
import org.specula.model.Llama;
import org.specula.tensor.Kernels;


/** An open model folder bound to kernels: the model, its tokenizer (loaded on first use), and their cleanup. */
final class ModelSession implements AutoCloseable {
    final ModelFolder folder;
    final Llama model;
    private Tokenizer tokenizer;

    /** How output names the model: the folder as given, or builtin:NAME. */
    final String label;

    /**
     * Opens {@code model}. A built-in model's weights are always copied (aligned, as --no-mmap does): it is inside
     * the jar, or should behave as if it were when run from classes.
     */
    ModelSession(Args.Model model, Kernels kernels, ModelFolder.Weights weights) {
        if (model.builtin() && weights == ModelFolder.Weights.MAP) {
            throw new UsageException("--mmap: " + model.label() + " is read from the jar and cannot be "
                    + "memory-mapped; drop --mmap");
        }
        this.label = model.label();
        this.folder = ModelFolder.open(model.dir(), model.builtin() ? ModelFolder.Weights.COPY : weights);
        try {
            this.model = Llama.load(folder, kernels);
        } catch (RuntimeException e) {
            folder.close();
            throw e;
        }
    }

    /** The model -m names (or the built-in default), with the weights --mmap/--no-mmap ask for. */
    static ModelSession target(Args a, Kernels kernels, java.io.PrintStream err) {
        return new ModelSession(a.modelOrDefault(err), kernels, CommonOptions.weights(a));
    }

    /** The model --draft names, or null without --draft. */
    static ModelSession draft(Args a, Kernels kernels) {
        return a.has("draft") ? new ModelSession(a.model("draft"), kernels, CommonOptions.weights(a)) : null;
    }

    Tokenizer tokenizer() {
        if (tokenizer == null) {
            tokenizer = Tokenizer.load(folder.dir(), folder.config().vocabSize());
        }
        return tokenizer;
    }

    /** --context if given, else min(max_position_embeddings, 4096); never above max_position_embeddings. */
    int context(Args args) {
        int max = model.config().maxPositions();
        int context = args.integer("context", Math.min(max, 4096), 1);
        if (context > max) {
            throw new UsageException("--context " + context + " exceeds the model's "
                    + "max_position_embeddings " + max + "; use at most " + max);
        }
        return context;
    }

    @Override
    public void close() {
        folder.close();
    }
}
