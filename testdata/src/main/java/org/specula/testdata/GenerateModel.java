package org.specula.testdata;

import org.specula.tensor.DType;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * Command line: writes a random model folder.
 * {@code GenerateModel --shape smollm2-135m|smollm2-360m|llama-3.2-1b|tiny --out DIR [--dtype BF16|F32|F16]
 * [--seed N] [--shards N]}
 */
public final class GenerateModel {
    private static final String USAGE = "usage: GenerateModel --shape smollm2-135m|smollm2-360m|llama-3.2-1b|tiny"
            + " --out DIR [--dtype BF16|F32|F16] [--seed N] [--shards N]";

    private GenerateModel() {
    }

    public static void main(String[] args) {
        TinyModels.Spec spec;
        Path out;
        try {
            String shape = null, outArg = null, dtype = null, seed = null, shards = null;
            for (int i = 0; i < args.length; i++) {
                if (i + 1 == args.length) {
                    throw new IllegalArgumentException("missing value after " + args[i]);
                }
                String value = args[++i];
                switch (args[i - 1]) {
                    case "--shape" -> shape = value;
                    case "--out" -> outArg = value;
                    case "--dtype" -> dtype = value;
                    case "--seed" -> seed = value;
                    case "--shards" -> shards = value;
                    default -> throw new IllegalArgumentException("unknown option " + args[i - 1]);
                }
            }
            if (shape == null || outArg == null) {
                throw new IllegalArgumentException("--shape and --out are required");
            }
            spec = shape(shape);
            if (dtype != null) {
                spec = spec.withDtype(DType.valueOf(dtype.toUpperCase(Locale.ROOT)));
            }
            if (seed != null) {
                spec = spec.withSeed(Long.parseLong(seed));
            }
            if (shards != null) {
                spec = spec.withShards(Integer.parseInt(shards));
            }
            out = Path.of(outArg);
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            System.err.println(USAGE);
            System.exit(2);
            return;
        }
        long start = System.nanoTime();
        TinyModels.write(out, spec);
        System.out.printf(Locale.ROOT, "wrote %s: %,d parameters, %,d bytes on disk, %.1f s%n", out,
                spec.parameterCount(), folderSize(out), (System.nanoTime() - start) / 1e9);
    }

    /** The spec named on the command line. */
    public static TinyModels.Spec shape(String name) {
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "tiny" -> TinyModels.Spec.tiny();
            case "smollm2-135m" -> RealShapes.smolLm2_135M();
            case "smollm2-360m" -> RealShapes.smolLm2_360M();
            case "llama-3.2-1b" -> RealShapes.llama32_1B();
            default -> throw new IllegalArgumentException("unknown shape " + name);
        };
    }

    private static long folderSize(Path dir) {
        try (Stream<Path> files = Files.list(dir)) {
            return files.mapToLong(f -> f.toFile().length()).sum();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
