package org.specula.loader.tokenizer;

import org.specula.loader.JsonFields;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The tokenizer.json normalizer: a list of steps applied in order to each piece of text between added tokens.
 * Supported: Sequence, Prepend (only to non-empty text, as in Hugging Face), Replace with a literal pattern, and
 * the Unicode forms NFC/NFD/NFKC/NFKD. Null means no normalization.
 */
final class Normalizer {
    private sealed interface Step permits Prepend, Replace, Form {
    }

    private record Prepend(String prefix) implements Step {
    }

    private record Replace(String pattern, String content) implements Step {
    }

    private record Form(java.text.Normalizer.Form form) implements Step {
    }

    private final List<Step> steps;

    private Normalizer(List<Step> steps) {
        this.steps = steps;
    }

    static Normalizer fromJson(Object json, String file) {
        List<Step> steps = new ArrayList<>();
        if (json != null) {
            collect(json, file, "normalizer", steps);
        }
        return new Normalizer(List.copyOf(steps));
    }

    private static void collect(Object json, String file, String field, List<Step> steps) {
        Map<String, Object> n = JsonFields.object(json, file, field);
        String type = JsonFields.type(n, file, field);
        switch (type) {
            case "Sequence" -> {
                List<Object> inner = JsonFields.list(n.get("normalizers"), file, field + ".normalizers");
                for (int i = 0; i < inner.size(); i++) {
                    collect(inner.get(i), file, field + ".normalizers[" + i + "]", steps);
                }
            }
            case "Prepend" -> steps.add(new Prepend(JsonFields.string(n.get("prepend"), file, field + ".prepend")));
            case "Replace" -> steps.add(new Replace(
                    JsonFields.stringPattern(n.get("pattern"), file, field + ".pattern"),
                    JsonFields.string(n.get("content"), file, field + ".content")));
            case "NFC", "NFD", "NFKC", "NFKD" -> steps.add(new Form(java.text.Normalizer.Form.valueOf(type)));
            default -> throw JsonFields.bad(file, field + ".type", "\"" + type + "\" is not supported; supported"
                    + " normalizers: Sequence, Prepend, Replace, NFC, NFD, NFKC, NFKD");
        }
    }

    String apply(String text) {
        String s = text;
        for (Step step : steps) {
            s = switch (step) {
                case Prepend p -> s.isEmpty() ? s : p.prefix() + s;
                case Replace r -> s.replace(r.pattern(), r.content());
                case Form f -> java.text.Normalizer.normalize(s, f.form());
            };
        }
        return s;
    }
}
