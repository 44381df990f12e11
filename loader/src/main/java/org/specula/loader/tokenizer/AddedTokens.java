package org.specula.loader.tokenizer;

import org.specula.loader.JsonFields;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The added_tokens of a tokenizer.json and how they cut the input, as Hugging Face's AddedVocabulary does: the
 * leftmost-longest match wins; lstrip/rstrip widen a match over adjacent whitespace; single_word requires no word
 * character on either side. Tokens with normalized=false are matched in the raw text, normalized ones in the
 * normalized text (against their own normalized content). Special tokens are matched only when asked to.
 */
final class AddedTokens {
    /** One entry of added_tokens. */
    record Token(int id, String content, boolean special, boolean lstrip, boolean rstrip,
                 boolean singleWord, boolean normalized) {
    }

    /** A piece of input: either text to tokenize ({@code id < 0}) or an added token's id. */
    record Piece(String text, int id, boolean atInputStart) {
    }

    private final List<Token> tokens;

    private AddedTokens(List<Token> tokens) {
        this.tokens = tokens;
    }

    static AddedTokens fromJson(Object json, String file) {
        List<Token> tokens = new ArrayList<>();
        if (json != null) {
            List<Object> list = JsonFields.list(json, file, "added_tokens");
            for (int i = 0; i < list.size(); i++) {
                String field = "added_tokens[" + i + "]";
                Map<String, Object> t = JsonFields.object(list.get(i), file, field);
                String content = JsonFields.string(t.get("content"), file, field + ".content");
                if (content.isEmpty()) {
                    throw JsonFields.bad(file, field + ".content", "must not be empty");
                }
                tokens.add(new Token(JsonFields.index(t.get("id"), file, field + ".id"), content,
                        JsonFields.bool(t, "special", false, file, field + ".special"),
                        JsonFields.bool(t, "lstrip", false, file, field + ".lstrip"),
                        JsonFields.bool(t, "rstrip", false, file, field + ".rstrip"),
                        JsonFields.bool(t, "single_word", false, file, field + ".single_word"),
                        JsonFields.bool(t, "normalized", true, file, field + ".normalized")));
            }
        }
        Map<Integer, Integer> firstWithId = new HashMap<>();
        for (int i = 0; i < tokens.size(); i++) {
            Integer j = firstWithId.putIfAbsent(tokens.get(i).id(), i);
            if (j != null) {
                throw JsonFields.bad(file, "added_tokens[" + i + "].id", "is " + tokens.get(i).id() + ", the id of"
                        + " added_tokens[" + j + "] \"" + tokens.get(j).content()
                        + "\" too; each id must be one token");
            }
        }
        return new AddedTokens(List.copyOf(tokens));
    }

    List<Token> tokens() {
        return tokens;
    }

    /**
     * Cuts {@code text} at the matches of the added tokens whose {@code normalized} flag is {@code normalizedPass}
     * (for normalized tokens, {@code contents} gives the normalized content to look for), skipping special tokens
     * unless {@code parseSpecial}. Text pieces are non-empty; {@code atInputStart} carries over to the first piece.
     */
    void split(String text, boolean atInputStart, boolean parseSpecial, boolean normalizedPass,
               java.util.function.UnaryOperator<String> contents, List<Piece> out) {
        List<Token> candidates = new ArrayList<>();
        List<String> patterns = new ArrayList<>();
        for (Token t : tokens) {
            if (t.normalized() == normalizedPass && (parseSpecial || !t.special())) {
                String pattern = normalizedPass ? contents.apply(t.content()) : t.content();
                if (!pattern.isEmpty()) {
                    candidates.add(t);
                    patterns.add(pattern);
                }
            }
        }
        int done = 0;   // text[0..done) is emitted
        int from = 0;   // where the search resumes
        int[] nextAt = new int[candidates.size()];   // [candidates] next occurrence at or after from, -1 if none
        java.util.Arrays.fill(nextAt, -2);
        while (!candidates.isEmpty() && from < text.length()) {
            int start = -1;
            int best = -1;
            // leftmost, then longest
            for (int k = 0; k < candidates.size(); k++) {
                if (nextAt[k] != -1 && nextAt[k] < from) {
                    nextAt[k] = text.indexOf(patterns.get(k), from);
                }
                int at = nextAt[k];
                if (at >= 0 && (start < 0 || at < start
                        || (at == start && patterns.get(k).length() > patterns.get(best).length()))) {
                    start = at;
                    best = k;
                }
            }
            if (start < 0) {
                break;
            }
            Token t = candidates.get(best);
            int stop = start + patterns.get(best).length();
            from = stop;
            if (t.singleWord() && (endsWithWordChar(text, start) || startsWithWordChar(text, stop))) {
                continue;
            }
            if (t.lstrip()) {
                int s = start;
                while (s > done && isWhitespace(text.codePointBefore(s))) {
                    s -= Character.charCount(text.codePointBefore(s));
                }
                start = s;
            }
            if (t.rstrip()) {
                while (stop < text.length() && isWhitespace(text.codePointAt(stop))) {
                    stop += Character.charCount(text.codePointAt(stop));
                }
            }
            if (done < start) {
                out.add(new Piece(text.substring(done, start), -1, atInputStart && done == 0));
            }
            out.add(new Piece(null, t.id(), false));
            done = stop;
            from = stop;
        }
        if (done < text.length()) {
            out.add(new Piece(text.substring(done), -1, atInputStart && done == 0));
        }
    }

    private static boolean endsWithWordChar(String text, int end) {
        return end > 0 && isWordChar(text.codePointBefore(end));
    }

    private static boolean startsWithWordChar(String text, int start) {
        return start < text.length() && isWordChar(text.codePointAt(start));
    }

    private static boolean isWordChar(int cp) {
        return Character.isLetterOrDigit(cp) || cp == '_';
    }

    /** Unicode White_Space (Rust's char::is_whitespace), which unlike Java's includes U+00A0 and U+202F. */
    static boolean isWhitespace(int cp) {
        return (cp >= 0x09 && cp <= 0x0D) || cp == 0x20 || cp == 0x85 || cp == 0xA0 || cp == 0x1680
                || (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 || cp == 0x2029 || cp == 0x202F
                || cp == 0x205F || cp == 0x3000;
    }
}
