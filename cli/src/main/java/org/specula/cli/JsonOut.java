package org.specula.cli;

import org.specula.loader.Json;

import java.util.List;
import java.util.Locale;

/** A tiny builder for the one-object JSON lines the CLI prints with --json. */
final class JsonOut {
    private final StringBuilder sb = new StringBuilder("{");
    private boolean first = true;

    private JsonOut key(String key) {
        if (!first) {
            sb.append(", ");
        }
        first = false;
        sb.append(Json.quote(key)).append(": ");
        return this;
    }

    JsonOut put(String key, String value) {
        key(key).sb.append(Json.quote(value));
        return this;
    }

    JsonOut put(String key, long value) {
        key(key).sb.append(value);
        return this;
    }

    JsonOut put(String key, double value) {
        key(key).sb.append(number(value));
        return this;
    }

    JsonOut put(String key, boolean value) {
        key(key).sb.append(value);
        return this;
    }

    JsonOut put(String key, int[] values) {
        key(key).sb.append('[');
        for (int i = 0; i < values.length; i++) {
            sb.append(i == 0 ? "" : ", ").append(values[i]);
        }
        sb.append(']');
        return this;
    }

    JsonOut put(String key, double[] values) {
        key(key).sb.append('[');
        for (int i = 0; i < values.length; i++) {
            sb.append(i == 0 ? "" : ", ").append(number(values[i]));
        }
        sb.append(']');
        return this;
    }

    JsonOut put(String key, List<Integer> values) {
        return put(key, values.stream().mapToInt(Integer::intValue).toArray());
    }

    JsonOut putRaw(String key, String json) {
        key(key).sb.append(json);
        return this;
    }

    JsonOut put(String key, JsonOut object) {
        return putRaw(key, object.toString());
    }

    static String number(double v) {
        if (Double.isNaN(v) || Double.isInfinite(v)) {
            return "null";
        }
        if (v == Math.rint(v) && Math.abs(v) < 1e15) {
            return String.format(Locale.ROOT, "%.1f", v);
        }
        return String.format(Locale.ROOT, "%.6g", v);
    }

    @Override
    public String toString() {
        return sb + "}";
    }
}
