package org.specula.cli;

import org.apache.commons.cli.Options;
import org.specula.loader.LlamaConfig;
import org.specula.loader.ModelFolder;
import org.specula.loader.SafetensorsFile;
import org.specula.model.Llama;
import org.specula.tensor.DType;
import org.specula.tensor.KvLayer;
import org.specula.tensor.SpeculaException;
import org.specula.tensor.Tensor;

import java.io.InputStream;
import java.io.PrintStream;
import java.lang.foreign.MemorySegment;
import java.util.Locale;
import java.util.Map;

/**
 * {@code specula inspect}: the config and every tensor's name, dtype, shape and size; with --check, first a scan of
 * every float tensor that names the first one holding NaN or infinity.
 */
final class InspectCommand extends Main.Command {

    InspectCommand() {
        super("show a model folder's config and tensors");
    }

    @Override
    void declare(Options o) {
        CommonOptions.addModel(o, "the model to show");
        o.addOption(Args.value(null, "context", "N", "context for the KV cache size (default: "
                + "min(max_position_embeddings, 4096))"));
        o.addOption(Args.value(null, "kv-dtype", "TYPE", "KV cache element type for its size: f32, bf16 or f16 "
                + "(default: the model's weight dtype)"));
        o.addOption(Args.flag(null, "builtin", "list the built-in models (builtin:NAME) with their files and sizes"));
        o.addOption(Args.flag(null, "check", "scan every F32, F16 and BF16 tensor for NaN and infinity first; name "
                + "the first one that holds one (exit 2)"));
    }

    @Override
    int run(Args a, InputStream in, PrintStream out, PrintStream err) throws Exception {
        if (a.has("builtin")) {
            for (Map.Entry<String, Long> e : BuiltinModels.names().entrySet()) {
                out.printf(Locale.ROOT, "%-28s %,10d bytes  %s%n", BuiltinModels.PREFIX + e.getKey(), e.getValue(),
                        String.join(" ", BuiltinModels.files(e.getKey())));
            }
            return 0;
        }
        DType asked = CommonOptions.kvDType(a);
        Args.Model model = a.modelOrDefault(err);
        try (ModelFolder folder = ModelFolder.open(model.dir(),
                model.builtin() ? ModelFolder.Weights.COPY : ModelFolder.Weights.MAP)) {
            LlamaConfig c = folder.config();
            int context = a.integer("context", Math.min(c.maxPositions(), 4096), 1);
            if (context > c.maxPositions()) {
                throw new UsageException("--context " + context + " exceeds the model's max_position_embeddings "
                        + c.maxPositions() + "; use at most " + c.maxPositions());
            }
            DType kvDType = asked != null ? asked : Llama.defaultKvDType(folder);
            String check = a.has("check") ? checkFinite(folder) : null; // its error comes before any output
            out.printf(Locale.ROOT, "model %s%n", model.label());
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
            long perPosition = c.numLayers() * KvLayer.bytesPerPosition(kvDType, c.numKvHeads(), c.headDim());
            out.printf(Locale.ROOT, "KV cache %s at context %d: %,d bytes (%,d bytes per position)%n",
                    kvDType.name().toLowerCase(Locale.ROOT), context,
                    c.numLayers() * KvLayer.bytes(kvDType, c.numKvHeads(), c.headDim(), context), perPosition);
            if (check != null) {
                out.println(check);
            }
        }
        return 0;
    }

    /** The --check line for a folder whose float tensors are all finite; an error naming the first that is not. */
    static String checkFinite(ModelFolder folder) {
        String bad = firstNonFinite(folder);
        if (bad != null) {
            throw new SpeculaException(bad + "; the weights are damaged (re-download or re-convert the model)");
        }
        int scanned = 0;
        int skipped = 0;
        for (Tensor t : folder.tensors().values()) {
            if (floatDType(t.dtype())) {
                scanned++;
            } else {
                skipped++;
            }
        }
        return String.format(Locale.ROOT, "check: every value of the %d float tensors is finite%s", scanned,
                skipped == 0 ? "" : " (" + skipped + " integer tensors not scanned)");
    }

    /**
     * "tensor NAME in FILE holds NaN at element I" for the first float tensor, in file order, holding a NaN or an
     * infinity; null when none does. Compares exponent bits (all ones: NaN or infinity), so it reads no float
     * conversions.
     */
    static String firstNonFinite(ModelFolder folder) {
        for (SafetensorsFile file : folder.files()) {
            for (Tensor t : file.tensors().values()) {
                long i = firstNonFinite(t);
                if (i >= 0) {
                    float v = t.getFloat(i);
                    return "tensor " + t.name() + " in " + file.path().getFileName() + " holds "
                            + (Float.isNaN(v) ? "NaN" : v > 0 ? "+Infinity" : "-Infinity") + " at element " + i
                            + " of " + t.shapeString();
                }
            }
        }
        return null;
    }

    private static boolean floatDType(DType d) {
        return d == DType.F32 || d == DType.F16 || d == DType.BF16;
    }

    /** The flat index of t's first NaN or infinity, or -1 (also for dtypes other than F32, F16 and BF16). */
    static long firstNonFinite(Tensor t) {
        MemorySegment d = t.data();
        long n = t.elementCount();
        switch (t.dtype()) {
            case F32 -> {
                for (long i = 0; i < n; i++) {
                    if (!Float.isFinite(d.getAtIndex(Tensor.F32_LE, i))) {
                        return i;
                    }
                }
            }
            case BF16, F16 -> {
                int exponent = t.dtype() == DType.BF16 ? 0x7f80 : 0x7c00; // all ones: NaN or infinity
                for (long i = 0; i < n; i++) {
                    if ((d.getAtIndex(Tensor.I16_LE, i) & exponent) == exponent) {
                        return i;
                    }
                }
            }
            default -> {
            }
        }
        return -1;
    }
}
