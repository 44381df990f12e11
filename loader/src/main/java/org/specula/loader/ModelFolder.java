package org.specula.loader;

import org.specula.tensor.SpeculaException;
import org.specula.tensor.Tensor;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * A Hugging Face model folder: config.json plus weights in model.safetensors, in shards listed by
 * model.safetensors.index.json, or in the folder's *.safetensors files. Every file is mapped or copied
 * ({@link Weights}) once into one arena; closing the folder releases them, so tensors must not be used after
 * {@link #close()}. A folder inside an archive (a built-in model in the jar) is always copied.
 */
public final class ModelFolder implements AutoCloseable {
    private final Path dir;
    private final LlamaConfig config;
    private final Arena arena;
    private final List<SafetensorsFile> files;
    private final Map<String, Tensor> tensors;

    private final boolean mmap;

    private ModelFolder(Path dir, LlamaConfig config, Arena arena, List<SafetensorsFile> files,
                        Map<String, Tensor> tensors, boolean mmap) {
        this.mmap = mmap;
        this.dir = dir;
        this.config = config;
        this.arena = arena;
        this.files = files;
        this.tensors = tensors;
    }

    /** How a folder's weight files reach memory. */
    public enum Weights {
        /** Map a file whose data section starts on a 64-byte boundary, copy the others (the CLI's default). */
        AUTO,
        /** Map every file (--mmap). */
        MAP,
        /** Copy every file into anonymous memory, huge pages advised, data 64-byte aligned (--no-mmap). */
        COPY
    }

    /** Opens the folder with its weights memory-mapped. */
    public static ModelFolder open(Path dir) {
        return open(dir, true);
    }

    /**
     * Opens the folder; with mmap false the weights are copied into anonymous memory (huge pages advised) instead
     * of being mapped (--no-mmap).
     */
    public static ModelFolder open(Path dir, boolean mmap) {
        return open(dir, mmap ? Weights.MAP : Weights.COPY);
    }

    /**
     * Opens the folder, mapping or copying each weight file as {@code weights} says. {@link Weights#AUTO} copies a
     * file only when mapping it would leave its tensors off 64-byte boundaries: the SIMD kernels then split every
     * vector load across two cache lines, which costs little in decode (bound by memory) but 5-8 % in the block
     * forwards of speculative verification, see {@link SafetensorsFile#dataAligned}.
     */
    public static ModelFolder open(Path dir, Weights weights) {
        if (!Files.isDirectory(dir)) {
            throw new SpeculaException(dir + ": model folder not found (expected a Hugging Face folder with "
                    + "config.json and *.safetensors)");
        }
        return open(dir, weights, LlamaConfig.load(dir.resolve("config.json")));
    }

    /**
     * Opens a folder of weights that is not a Llama model itself (a drafter's heads: Medusa, MTP), whose caller reads
     * its own JSON files with {@link #json}; {@link #config()} is then refused.
     */
    public static ModelFolder openTensors(Path dir, Weights weights) {
        if (!Files.isDirectory(dir)) {
            throw new SpeculaException(dir + ": folder not found");
        }
        return open(dir, weights, null);
    }

    private static ModelFolder open(Path dir, Weights weights, LlamaConfig config) {
        // A folder inside a jar (a built-in model on the zip file system) cannot be mapped: its files are copied.
        boolean local = dir.getFileSystem() == FileSystems.getDefault();
        if (!local && weights == Weights.MAP) {
            throw new SpeculaException(dir + ": a folder inside an archive cannot be memory-mapped; open it with "
                    + "copied weights");
        }
        List<Path> paths = weightFiles(dir);
        Arena arena = Arena.ofShared();
        try {
            List<SafetensorsFile> files = new ArrayList<>();
            Map<String, Tensor> tensors = new LinkedHashMap<>();
            boolean mmap = true;
            for (Path p : paths) {
                boolean map = local
                        && (weights == Weights.MAP || weights == Weights.AUTO && SafetensorsFile.dataAligned(p));
                mmap &= map;
                SafetensorsFile f = map ? SafetensorsFile.open(p, arena) : SafetensorsFile.copy(p, arena);
                files.add(f);
                for (Tensor t : f.tensors().values()) {
                    if (tensors.put(t.name(), t) != null) {
                        throw new SpeculaException(p + ": tensor " + t.name() + " also appears in another file");
                    }
                }
            }
            return new ModelFolder(dir, config, arena, List.copyOf(files), Collections.unmodifiableMap(tensors),
                    mmap);
        } catch (RuntimeException e) {
            arena.close();
            throw e;
        }
    }

    private static List<Path> weightFiles(Path dir) {
        Path index = dir.resolve("model.safetensors.index.json");
        if (Files.exists(index)) {
            Map<String, Object> json = Json.parseObject(read(index), index.toString());
            if (!(json.get("weight_map") instanceof Map<?, ?> map)) {
                throw new SpeculaException(index + ": missing object \"weight_map\"");
            }
            TreeSet<String> names = new TreeSet<>();
            for (Object file : map.values()) {
                if (!(file instanceof String s) || s.contains("/") || s.contains("\\")) {
                    throw new SpeculaException(index + ": weight_map values must be file names in the folder");
                }
                names.add(s);
            }
            for (String name : names) { // the index is what is wrong when a shard it lists is missing
                if (!Files.isRegularFile(dir.resolve(name))) {
                    throw new SpeculaException(index + ": weight_map lists \"" + name + "\", which is not a file in "
                            + dir + "; the download is incomplete or the index is damaged");
                }
            }
            return names.stream().map(dir::resolve).toList();
        }
        Path single = dir.resolve("model.safetensors");
        if (Files.exists(single)) {
            return List.of(single);
        }
        try (Stream<Path> list = Files.list(dir)) {
            List<Path> found = list.filter(p -> p.getFileName().toString().endsWith(".safetensors")).sorted().toList();
            if (found.isEmpty()) {
                throw new SpeculaException(dir + ": no *.safetensors weights found (expected model.safetensors or "
                        + "model.safetensors.index.json)");
            }
            return found;
        } catch (IOException e) {
            throw new SpeculaException(dir + ": cannot list folder (" + e.getMessage() + ")");
        }
    }

    static String read(Path p) {
        try {
            return Files.readString(p, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new SpeculaException(p + ": cannot read (" + e.getMessage() + ")");
        }
    }

    /** Whether every weight file is mapped (false with --no-mmap, or when the default copied a file). */
    public boolean mmap() {
        return mmap;
    }

    public Path dir() {
        return dir;
    }

    /** config.json as a Llama configuration; refused for a folder opened with {@link #openTensors}. */
    public LlamaConfig config() {
        if (config == null) {
            throw new IllegalStateException(dir + " was opened as tensors only; it has no Llama configuration");
        }
        return config;
    }

    /** Whether the folder holds the file {@code name}. */
    public boolean hasFile(String name) {
        return Files.isRegularFile(dir.resolve(name));
    }

    /** The folder's JSON file {@code name} as an object, or a one-line error naming the file. */
    public Map<String, Object> json(String name) {
        Path p = dir.resolve(name);
        if (!Files.isRegularFile(p)) {
            throw new SpeculaException(p + ": not found");
        }
        return Json.parseObject(read(p), p.toString());
    }

    public List<SafetensorsFile> files() {
        return files;
    }

    /** All tensors by name, in file and header order. */
    public Map<String, Tensor> tensors() {
        return tensors;
    }

    public boolean has(String name) {
        return tensors.containsKey(name);
    }

    /** The tensor called {@code name}, or an error naming the folder and the tensor. */
    public Tensor tensor(String name) {
        Tensor t = tensors.get(name);
        if (t == null) {
            throw new SpeculaException(dir + ": missing tensor \"" + name + "\"; " + (config == null
                    ? "the weights are not in the format expected here (check the folder is complete)"
                    : "the weights do not match a Llama model with " + config.numLayers() + " layers (check the "
                    + "folder is complete)"));
        }
        return t;
    }

    /** Bytes of all weights. */
    public long weightBytes() {
        long sum = 0;
        for (Tensor t : tensors.values()) {
            sum += t.byteSize();
        }
        return sum;
    }

    @Override
    public void close() {
        arena.close();
    }
}
