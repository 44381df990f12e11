package org.specula.testdata;

import org.junit.jupiter.api.Assumptions;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Locates {@code ../shared} (the sample models, references and tokenizers). A test that needs it calls
 * {@link #path(String)}: when the folder is absent the test is skipped with a clear message, unless
 * {@code -Dspecula.requireSamples=true} (set by .ci/run), in which case it fails.
 */
public final class Samples {
    private Samples() {
    }

    /** The shared folder: system property specula.shared, else ../shared from the working directory's parents. */
    public static Path root() {
        String configured = System.getProperty("specula.shared");
        if (configured != null && !configured.isBlank()) {
            return Path.of(configured).toAbsolutePath().normalize();
        }
        Path dir = Path.of("").toAbsolutePath();
        for (Path d = dir; d != null; d = d.getParent()) {
            Path candidate = d.resolveSibling("shared");
            if (Files.isDirectory(candidate.resolve("models"))) {
                return candidate.normalize();
            }
        }
        return dir.resolveSibling("shared").normalize();
    }

    public static boolean required() {
        return Boolean.getBoolean("specula.requireSamples");
    }

    /** {@code root().resolve(relative)}, skipping (or failing, when required) the test when it does not exist. */
    public static Path path(String relative) {
        Path p = root().resolve(relative);
        if (!Files.exists(p)) {
            String message = "sample data " + p + " is missing (shared folder not found beside the project)";
            if (required()) {
                throw new AssertionError(message + "; -Dspecula.requireSamples=true makes this a failure");
            }
            Assumptions.abort(message + "; skipping (set -Dspecula.requireSamples=true to fail instead)");
        }
        return p;
    }
}
