package org.specula.cli;

import org.specula.tensor.SpeculaException;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.FileSystemAlreadyExistsException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The models that travel inside the jar (the repository's {@code models/}, copied to {@code org/specula/builtin/}):
 * {@code builtin:NAME} names one wherever a model folder is asked for. Inside a jar the folder is a path on the zip
 * file system, opened once for the life of the JVM and read entry by entry, so loading one writes nothing to disk;
 * run from classes (the tests) it is an ordinary folder.
 */
final class BuiltinModels {
    static final String PREFIX = "builtin:";
    /** The model -m defaults to. */
    static final String DEFAULT = "stories260K";
    /** A file beside the model folders that locates them (the models' README, with their provenance). */
    private static final String MARKER = "/org/specula/builtin/README.md";

    private static Path root;

    private BuiltinModels() {
    }

    /** Whether a model argument names a built-in model. */
    static boolean named(String argument) {
        return argument.startsWith(PREFIX);
    }

    /** The folder of built-in model {@code name}, or an error listing the names there are. */
    static Path folder(String name) {
        Path dir = root().resolve(name);
        if (name.isEmpty() || name.contains("/") || name.contains("\\") || !Files.isDirectory(dir)) {
            throw new UsageException("unknown built-in model '" + PREFIX + name + "'; built-in models: "
                    + String.join(", ", names().keySet().stream().map(n -> PREFIX + n).toList())
                    + " (specula inspect --builtin)");
        }
        return dir;
    }

    /** Every built-in model's name with its bytes (all its files), in name order. */
    static Map<String, Long> names() {
        Map<String, Long> sizes = new LinkedHashMap<>();
        try (Stream<Path> list = Files.list(root())) {
            for (Path dir : list.filter(Files::isDirectory).sorted().toList()) {
                sizes.put(dir.getFileName().toString().replace("/", ""), bytes(dir));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return sizes;
    }

    /** The files of built-in model {@code name}, by name. */
    static List<String> files(String name) {
        try (Stream<Path> list = Files.list(folder(name))) {
            return list.map(p -> p.getFileName().toString()).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static long bytes(Path dir) throws IOException {
        long sum = 0;
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : files.toList()) {
                sum += Files.size(f);
            }
        }
        return sum;
    }

    private static synchronized Path root() {
        if (root == null) {
            URL marker = BuiltinModels.class.getResource(MARKER);
            if (marker == null) {
                throw new SpeculaException("this build carries no built-in models (" + MARKER + " is missing from "
                        + "the class path); rebuild with mvn package, or give a model folder");
            }
            try {
                URI uri = marker.toURI();
                if (uri.getScheme().equals("jar")) {
                    try {
                        FileSystems.newFileSystem(uri, Map.of());
                    } catch (FileSystemAlreadyExistsException e) {
                        // opened before (by another caller): Path.of finds it
                    }
                }
                root = Path.of(uri).getParent();
            } catch (URISyntaxException | IOException e) {
                throw new SpeculaException("cannot open the built-in models in " + marker + " (" + e.getMessage()
                        + ")");
            }
        }
        return root;
    }
}
