package org.specula.loader;

import org.specula.tensor.SpeculaException;

import java.util.Map;

/** Typed reads of JSON object fields with one-line errors naming the file and the field. */
final class JsonFields {
    private final Map<String, Object> object;
    private final String source;

    JsonFields(Map<String, Object> object, String source) {
        this.object = object;
        this.source = source;
    }

    boolean has(String key) {
        return object.get(key) != null;
    }

    Object raw(String key) {
        return object.get(key);
    }

    int requiredInt(String key) {
        if (!has(key)) {
            throw new SpeculaException(source + ": missing required field \"" + key + "\"");
        }
        return intValue(key);
    }

    int optionalInt(String key, int fallback) {
        return has(key) ? intValue(key) : fallback;
    }

    private int intValue(String key) {
        Object v = object.get(key);
        if (!(v instanceof Long l) || l < Integer.MIN_VALUE || l > Integer.MAX_VALUE) {
            throw new SpeculaException(source + ": field \"" + key + "\" must be an integer (got " + v + ")");
        }
        return (int) (long) l;
    }

    int positiveInt(String key) {
        int v = requiredInt(key);
        if (v <= 0) {
            throw new SpeculaException(source + ": field \"" + key + "\" must be positive (got " + v + ")");
        }
        return v;
    }

    double optionalDouble(String key, double fallback) {
        if (!has(key)) {
            return fallback;
        }
        if (!(object.get(key) instanceof Number n)) {
            throw new SpeculaException(source + ": field \"" + key + "\" must be a number (got "
                    + object.get(key) + ")");
        }
        return n.doubleValue();
    }

    /** A number that must be positive and finite; one field per error, so the message names the wrong one. */
    double positiveDouble(String key, double fallback) {
        double v = optionalDouble(key, fallback);
        if (!(v > 0) || Double.isInfinite(v)) {
            throw new SpeculaException(source + ": field \"" + key + "\" must be a positive finite number (got "
                    + object.get(key) + ")");
        }
        return v;
    }

    boolean optionalBoolean(String key, boolean fallback) {
        if (!has(key)) {
            return fallback;
        }
        if (!(object.get(key) instanceof Boolean b)) {
            throw new SpeculaException(source + ": field \"" + key + "\" must be true or false (got "
                    + object.get(key) + ")");
        }
        return b;
    }

    String optionalString(String key, String fallback) {
        if (!has(key)) {
            return fallback;
        }
        if (!(object.get(key) instanceof String s)) {
            throw new SpeculaException(source + ": field \"" + key + "\" must be a string (got "
                    + object.get(key) + ")");
        }
        return s;
    }
}
