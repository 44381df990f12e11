package org.specula.tensor;

/**
 * An error the user can fix: bad input, a missing file, an unsupported format. The message is one line that names
 * the file or field and says what to do; the CLI prints it without a stack trace and exits non-zero.
 */
public class SpeculaException extends RuntimeException {
    public SpeculaException(String message) {
        super(message);
    }

    public SpeculaException(String message, Throwable cause) {
        super(message, cause);
    }
}
