package org.specula.cli;

import org.specula.loader.ModelFolder;
import org.specula.loader.tokenizer.Tokenizer;
import org.specula.model.Llama;
import org.specula.tensor.Kernels;

import java.nio.file.Path;

/** An open model folder bound to kernels: the model, its tokenizer (loaded on first use), and their cleanup. */
final class ModelSession implements AutoCloseable {
    final ModelFolder folder;
    final Llama model;
    private Tokenizer tokenizer;

    ModelSession(Path dir, Kernels kernels, ModelFolder.Weights weights) {
        this.folder = ModelFolder.open(dir, weights);
        try {
            this.model = Llama.load(folder, kernels);
        } catch (RuntimeException e) {
            folder.close();
            throw e;
        }
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
            throw new org.specula.tensor.SpeculaException("--context " + context + " exceeds the model's "
                    + "max_position_embeddings " + max + "; use at most " + max);
        }
        return context;
    }

    @Override
    public void close() {
        folder.close();
    }
}
