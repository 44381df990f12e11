package org.specula.loader;

import org.specula.tensor.SpeculaException;

import java.util.List;
import java.util.Map;

/**
 * Typed reads of the values {@link Json} parses; every failure is a one-line {@link SpeculaException} that names the
 * file and the field. The static reads take the field's path in a nested file (tokenizer.json:
 * {@code model.vocab["a"] must be a token id ... (found ...)}); an instance reads the flat keys of one object
 * (config.json: {@code field "hidden_size" must be an integer (got 1.5)}). The two wordings stay as they were, since
 * users and tests know them. Public for {@code org.specula.loader.tokenizer} (the static reads) and for the model
 * module's drafter configurations (an instance: {@link #has}, {@link #positiveInt}).
 */
public final class JsonFields {
    private final Map<String, Object> object;
    private final String source;

    /** Reads the flat keys of object, naming source (the file) in every error. */
    public JsonFields(Map<String, Object> object, String source) {
        this.object = object;
        this.source = source;
    }

    /** The error for a field the file has but Specula cannot use: {@code "<file>: <field> <problem>"}. */
    public static SpeculaException bad(String file, String field, String problem) {
        return new SpeculaException(file + ": " + field + " " + problem);
    }

    @SuppressWarnings("unchecked")
    public static Map<String, Object> object(Object value, String file, String field) {
        if (value instanceof Map<?, ?> map) {
            return (Map<String, Object>) map;
        }
        throw bad(file, field, "must be a JSON object (found " + describe(value) + "); re-export the tokenizer with"
                + " Hugging Face tokenizers");
    }

    @SuppressWarnings("unchecked")
    public static List<Object> list(Object value, String file, String field) {
        if (value instanceof List<?> list) {
            return (List<Object>) list;
        }
        throw bad(file, field, "must be a JSON array (found " + describe(value) + "); re-export the tokenizer with"
                + " Hugging Face tokenizers");
    }

    public static String string(Object value, String file, String field) {
        if (value instanceof String s) {
            return s;
        }
        throw bad(file, field, "must be a string (found " + describe(value) + "); re-export the tokenizer with"
                + " Hugging Face tokenizers");
    }

    /** A string field that may be absent or null. */
    public static String optString(Map<String, Object> map, String key, String file, String field) {
        Object value = map.get(key);
        return value == null ? null : string(value, file, field);
    }

    /** A boolean field; absent or null gives {@code fallback}. */
    public static boolean bool(Map<String, Object> map, String key, boolean fallback, String file, String field) {
        Object value = map.get(key);
        if (value == null) {
            return fallback;
        }
        if (value instanceof Boolean b) {
            return b;
        }
        throw bad(file, field, "must be true or false (found " + describe(value) + ")");
    }

    /**
     * Ids index arrays sized by the largest id, so a bound keeps a corrupt id from allocating gigabytes; 2^24 is 64
     * times the largest vocabularies in use (about 262 000).
     */
    public static final int MAX_TOKEN_ID = (1 << 24) - 1;

    /** A token id: a non-negative integer up to {@link #MAX_TOKEN_ID}. */
    public static int index(Object value, String file, String field) {
        if (value instanceof Long l && l >= 0 && l <= MAX_TOKEN_ID) {
            return (int) (long) l;
        }
        throw bad(file, field, "must be a token id, an integer in 0.." + MAX_TOKEN_ID + " (found " + describe(value)
                + ")");
    }

    /** The {@code type} of a component object (normalizer, decoder, ...). */
    public static String type(Map<String, Object> component, String file, String field) {
        Object type = component.get("type");
        if (type == null) {
            throw bad(file, field + ".type", "is missing; re-export the tokenizer with Hugging Face tokenizers");
        }
        return string(type, file, field + ".type");
    }

    /** A single-character string (a replacement like "▁" or a Strip content like " "). */
    public static int codePoint(Object value, String file, String field) {
        String s = string(value, file, field);
        if (s.isEmpty() || s.codePointCount(0, s.length()) != 1) {
            throw bad(file, field, "must be a single character (found \"" + s + "\")");
        }
        return s.codePointAt(0);
    }

    /** The literal of a Replace pattern {@code {"String": "..."}}; regex patterns are refused. */
    public static String stringPattern(Object pattern, String file, String field) {
        Map<String, Object> map = object(pattern, file, field);
        if (map.containsKey("String")) {
            String s = string(map.get("String"), file, field + ".String");
            if (s.isEmpty()) {
                throw bad(file, field + ".String", "must not be empty");
            }
            return s;
        }
        throw bad(file, field, "is a " + map.keySet() + " pattern; only {\"String\": ...} patterns are supported");
    }

    private static String describe(Object value) {
        if (value == null) {
            return "null";
        }
        if (value instanceof Map) {
            return "an object";
        }
        if (value instanceof List) {
            return "an array";
        }
        if (value instanceof String s) {
            return "the string \"" + (s.length() > 40 ? s.substring(0, 40) + "..." : s) + "\"";
        }
        return value.toString();
    }

    /** Whether the key is present and not null. */
    public boolean has(String key) {
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

    private int intValue(String key) {
        Object v = object.get(key);
        if (!(v instanceof Long l) || l < Integer.MIN_VALUE || l > Integer.MAX_VALUE) {
            throw badKey(key, "must be an integer (got " + v + ")");
        }
        return (int) (long) l;
    }

    /** The key's value, which must be a positive integer, or an error naming the file and the key. */
    public int positiveInt(String key) {
        int v = requiredInt(key);
        if (v <= 0) {
            throw badKey(key, "must be positive (got " + v + ")");
        }
        return v;
    }

    double optionalDouble(String key, double fallback) {
        if (!has(key)) {
            return fallback;
        }
        if (!(object.get(key) instanceof Number n)) {
            throw badKey(key, "must be a number (got " + object.get(key) + ")");
        }
        return n.doubleValue();
    }

    /** A number that must be positive and finite; one field per error, so the message names the wrong one. */
    double positiveDouble(String key, double fallback) {
        double v = optionalDouble(key, fallback);
        if (!(v > 0) || Double.isInfinite(v)) {
            throw badKey(key, "must be a positive finite number (got " + object.get(key) + ")");
        }
        return v;
    }

    boolean optionalBoolean(String key, boolean fallback) {
        if (!has(key)) {
            return fallback;
        }
        if (!(object.get(key) instanceof Boolean b)) {
            throw badKey(key, "must be true or false (got " + object.get(key) + ")");
        }
        return b;
    }

    String optionalString(String key, String fallback) {
        if (!has(key)) {
            return fallback;
        }
        if (!(object.get(key) instanceof String s)) {
            throw badKey(key, "must be a string (got " + object.get(key) + ")");
        }
        return s;
    }

    /** {@code <source>: field "<key>" <problem>}: a flat key is quoted, a path is not. */
    private SpeculaException badKey(String key, String problem) {
        return bad(source, "field \"" + key + "\"", problem);
    }
}
