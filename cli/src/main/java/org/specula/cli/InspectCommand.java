package org.specula.cli;

import org.apache.commons.cli.Options;
import org.specula.loader.LlamaConfig;
import org.specula.loader.ModelFolder;
import org.specula.tensor.Tensor;

import java.io.InputStream;
import java.io.PrintStream;
import java.util.Locale;

/** {@code specula inspect}: the config and every tensor's name, dtype, shape and size. */
final class InspectCommand implements Main.Command {

    @Override
    public String summary() {
        return "show a model folder's config and tensors";
    }

    @Override
    public int run(String[] argv, InputStream in, PrintStream out, PrintStream err) throws Exception {
        Options o = new Options();
        o.addOption(Args.value("m", "model", "DIR", "Hugging Face model folder (required)"));
        Args a = Args.parse("inspect", o, argv, out);
        if (a == null) {
            return 0;
        }
        try (ModelFolder folder = ModelFolder.open(a.folder("model"))) {
            LlamaConfig c = folder.config();
            out.printf(Locale.ROOT, "model %s%n", folder.dir());
            out.printf(Locale.ROOT, "  hidden %d, intermediate %d, layers %d, heads %d, kv heads %d, head_dim %d, "
                            + "vocab %d, max positions %d%n", c.hiddenSize(), c.intermediateSize(), c.numLayers(),
                    c.numHeads(), c.numKvHeads(), c.headDim(), c.vocabSize(), c.maxPositions());
            out.printf(Locale.ROOT, "  rms_norm_eps %g, rope_theta %g, rope_scaling %s, tied embeddings %b, bos %d, "
                            + "eos %s%n", c.rmsNormEps(), c.ropeTheta(), c.ropeScaling(), c.tieWordEmbeddings(),
                    c.bosId(), java.util.Arrays.toString(c.eosIds()));
            for (var file : folder.files()) {
                out.printf(Locale.ROOT, "file %s (%d tensors)%n", file.path().getFileName(), file.tensors().size());
                for (Tensor t : file.tensors().values()) {
                    out.printf(Locale.ROOT, "  %-48s %-5s %-16s %,d bytes%n", t.name(), t.dtype(), t.shapeString(),
                            t.byteSize());
                }
            }
            out.printf(Locale.ROOT, "%d tensors, %,d bytes of weights%n", folder.tensors().size(),
                    folder.weightBytes());
        }
        return 0;
    }
}
