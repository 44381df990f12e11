package org.specula.cli;

import org.apache.commons.cli.Options;
import org.specula.loader.tokenizer.Tokenizer;
import org.specula.model.ForwardPass;
import org.specula.tensor.DType;
import org.specula.tensor.Kernels;
import org.specula.tensor.SpeculaException;

import java.io.IOException;
import java.io.OutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * {@code specula score}: one forward over a sequence; prints each token's log-probability given the tokens before
 * it and the perplexity, and can write all logits as float32 little-endian [T][vocab] (row p = logits after
 * positions 0..p).
 */
final class ScoreCommand extends Main.Command {

    ScoreCommand() {
        super("log-probabilities, perplexity and raw logits of a token sequence");
    }

    @Override
    void declare(Options o) {
        CommonOptions.addModel(o, "the model to run");
        o.addOption(Args.value(null, "ids", "IDS", "comma-separated token ids, used exactly"));
        o.addOption(Args.value(null, "text", "TEXT", "text, tokenized with BOS"));
        o.addOption(Args.value(null, "logits-out", "FILE", "write float32 little-endian logits [T][vocab]"));
        o.addOption(Args.flag(null, "json", "print one JSON object"));
        CommonOptions.addRuntime(o);
    }

    @Override
    int run(Args a, InputStream in, PrintStream out, PrintStream err) throws Exception {
        if (a.has("ids") == a.has("text")) {
            throw new UsageException("give exactly one of --ids 1,2,3 or --text TEXT");
        }
        DType kvDType = CommonOptions.kvDType(a);
        try (Kernels kernels = CommonOptions.kernels(a, err);
             ModelSession session = ModelSession.target(a, kernels, err)) {
            int[] ids = a.has("ids") ? a.ids("ids") : session.tokenizer().encode(a.required("text"), true);
            if (ids.length < 2) { // the first token is only context: one token leaves nothing to score
                throw new UsageException((a.has("ids") ? "--ids" : "--text") + " gives " + ids.length + " token"
                        + (ids.length == 1 ? "" : "s") + " but scoring needs at least 2 (each token is scored given "
                        + "the ones before it); give a longer sequence");
            }
            int vocab = session.model.config().vocabSize();
            int context = Math.max(session.context(a), Math.min(ids.length, session.model.config().maxPositions()));
            if (ids.length > context) {
                throw new UsageException("the sequence has " + ids.length + " tokens but the context holds "
                        + context + "; raise --context or shorten the sequence");
            }
            // the pieces of the text output come from tokenizer.json, read (and checked) before anything is printed;
            // a folder without one prints "-" for them
            Tokenizer pieces = a.has("json") || !Files.exists(session.folder.dir().resolve("tokenizer.json")) ? null
                    : session.tokenizer();
            float[] logits = new float[Math.multiplyExact(ids.length, vocab)]; // [T][vocab]
            ForwardPass pass = CommonOptions.forwardPass(session.model, context, kvDType);
            pass.warmUp(ids.length); // the kernels compiled before the one long forward (see WarmUp)
            pass.forward(ids, 0, ids.length, ForwardPass.Logits.ALL, logits);
            if (a.has("logits-out")) {
                write(a.path("logits-out"), logits);
            }
            double[] logprobs = new double[ids.length - 1]; // logprobs[p-1] = log P(ids[p] | ids[0..p))
            double sum = 0;
            for (int p = 1; p < ids.length; p++) {
                logprobs[p - 1] = logSoftmaxAt(logits, (p - 1) * vocab, vocab, ids[p]);
                sum += logprobs[p - 1];
            }
            double perplexity = Math.exp(-sum / (ids.length - 1));
            if (a.has("json")) {
                out.println(new JsonOut().put("ids", ids).put("logprobs", logprobs).put("perplexity", perplexity));
            } else {
                for (int p = 1; p < ids.length; p++) {
                    out.printf(Locale.ROOT, "%5d %7d %-16s %10.4f%n", p, ids[p], piece(pieces, ids[p]),
                            logprobs[p - 1]);
                }
                out.printf(Locale.ROOT, "perplexity %.4f over %d tokens%n", perplexity, ids.length - 1);
            }
        }
        return 0;
    }

    /** id's piece; "-" without a tokenizer, "?" for an id the (loaded, valid) tokenizer has no piece for. */
    private static String piece(Tokenizer pieces, int id) {
        if (pieces == null) {
            return "-";
        }
        try {
            return pieces.token(id);
        } catch (SpeculaException e) {
            return "?"; // a model vocabulary padded past the tokenizer's ids
        }
    }

    static double logSoftmaxAt(float[] logits, int off, int n, int index) {
        double max = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) {
            max = Math.max(max, logits[off + i]);
        }
        double sum = 0;
        for (int i = 0; i < n; i++) {
            sum += Math.exp(logits[off + i] - max);
        }
        return logits[off + index] - max - Math.log(sum);
    }

    private static void write(Path file, float[] logits) {
        ByteBuffer buf = ByteBuffer.allocate(64 * 1024).order(ByteOrder.LITTLE_ENDIAN);
        try (OutputStream os = Files.newOutputStream(file)) {
            for (float v : logits) {
                if (!buf.hasRemaining()) {
                    os.write(buf.array(), 0, buf.position());
                    buf.clear();
                }
                buf.putFloat(v);
            }
            os.write(buf.array(), 0, buf.position());
        } catch (IOException e) {
            throw new UsageException("--logits-out " + file + ": cannot write (" + e.getMessage() + ")");
        }
    }
}
