package org.specula.loader.tokenizer;

import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The tokenizer.json pre_tokenizer: null (the whole normalized text is one word) or Metaspace, which replaces
 * ' ' by the replacement, prepends it per prepend_scheme when the text does not already start with it (always;
 * first = only for text at the start of the input; never), and with split=true splits before each replacement.
 */
public final class PreTokenizer {
    private final boolean metaspace;
    private final String replacement;
    private final String prependScheme;   // always | first | never
    private final boolean split;

    private PreTokenizer(boolean metaspace, String replacement, String prependScheme, boolean split) {
        this.metaspace = metaspace;
        this.replacement = replacement;
        this.prependScheme = prependScheme;
        this.split = split;
    }

    public static PreTokenizer fromJson(Object json, String file) {
        if (json == null) {
            return new PreTokenizer(false, null, "never", false);
        }
        String field = "pre_tokenizer";
        Map<String, Object> p = Fields.object(json, file, field);
        if (Fields.type(p, file, field).equals("Sequence")) {
            List<Object> inner = Fields.list(p.get("pretokenizers"), file, field + ".pretokenizers");
            if (inner.size() != 1) {
                throw Fields.bad(file, field, "is a Sequence of " + inner.size() + " pre-tokenizers; only a single"
                        + " Metaspace is supported");
            }
            field = field + ".pretokenizers[0]";
            p = Fields.object(inner.getFirst(), file, field);
        }
        String type = Fields.type(p, file, field);
        if (!type.equals("Metaspace")) {
            throw Fields.bad(file, field + ".type", "\"" + type + "\" is not supported; only Metaspace (or no"
                    + " pre_tokenizer) is, as in SentencePiece-style tokenizers (Llama 2 family)");
        }
        String replacement = Character.toString(Fields.codePoint(p.get("replacement"), file, field + ".replacement"));
        String scheme = Fields.optString(p, "prepend_scheme", file, field + ".prepend_scheme");
        if (scheme == null) {
            scheme = Fields.bool(p, "add_prefix_space", true, file, field + ".add_prefix_space") ? "always" : "never";
        } else if (!List.of("always", "first", "never").contains(scheme)) {
            throw Fields.bad(file, field + ".prepend_scheme", "\"" + scheme + "\" must be always, first or never");
        }
        return new PreTokenizer(true, replacement, scheme,
                Fields.bool(p, "split", true, file, field + ".split"));
    }

    /** Passes the words of one normalized piece; {@code atInputStart}: the piece begins the whole input text. */
    public void split(String text, boolean atInputStart, Consumer<String> words) {
        if (!metaspace) {
            words.accept(text);
            return;
        }
        String s = text.replace(" ", replacement);
        boolean prepend = prependScheme.equals("always") || (prependScheme.equals("first") && atInputStart);
        if (prepend && !s.isEmpty() && !s.startsWith(replacement)) {
            s = replacement + s;
        }
        if (!split) {
            words.accept(s);
            return;
        }
        int start = 0;
        for (int i = s.indexOf(replacement, 1); i >= 0; i = s.indexOf(replacement, i + 1)) {
            words.accept(s.substring(start, i));
            start = i;
        }
        words.accept(s.substring(start));
    }
}
