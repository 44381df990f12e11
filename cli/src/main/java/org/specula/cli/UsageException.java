package org.specula.cli;

/**
 * A command line the CLI refuses: a flag missing, malformed, out of range or contradicting another. Its message is
 * the one line the user reads (it names the flag and the fix); {@link Main} prints it and exits 2, as it does for a
 * library's {@link org.specula.tensor.SpeculaException} (a file or input refused). Any other exception is a bug and
 * exits 1 as an internal error.
 */
final class UsageException extends RuntimeException {
    UsageException(String message) {
        super(message);
    }
}
