package org.specula.loader.tokenizer;

import org.specula.loader.JsonFields;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The tokenizer.json pre_tokenizer: a list of steps, each cutting every current piece ("split") of the normalized
 * text into smaller ones, as Hugging Face's PreTokenizedString does; the final splits are the words the model
 * encodes. Null means one word. Supported steps:
 * <ul>
 * <li>Metaspace: replaces ' ' by the replacement, prepends it per prepend_scheme when the split does not already
 * start with it (always; first = only for text at the start of the input; never), and with split=true cuts before
 * each replacement.</li>
 * <li>Split: cuts at the matches of a regex ({@link OnigRegex}) or literal, keeping the matches per behavior
 * (Isolated, Removed, MergedWithPrevious, MergedWithNext, Contiguous); invert swaps matches and gaps.</li>
 * <li>ByteLevel: prepends ' ' when add_prefix_space and the split does not start with one, cuts with the GPT-2
 * pattern when use_regex, and spells each split's UTF-8 bytes as {@link ByteLevel} characters.</li>
 * <li>Digits (individual_digits or runs), Whitespace ({@code \w+|[^\w\s]+}), WhitespaceSplit.</li>
 * </ul>
 */
final class PreTokenizer {
    private enum Behavior { ISOLATED, REMOVED, MERGED_WITH_PREVIOUS, MERGED_WITH_NEXT, CONTIGUOUS }

    private sealed interface Step permits Metaspace, Split, ByteLevelStep {
    }

    private record Metaspace(String replacement, String prependScheme, boolean split) implements Step {
    }

    private record Split(Pattern pattern, Behavior behavior, boolean invert) implements Step {
    }

    private record ByteLevelStep(boolean addPrefixSpace, boolean useRegex) implements Step {
    }

    /** A piece of text; atInputStart: it begins the whole input (Metaspace's prepend_scheme "first"). */
    private record Piece(String text, boolean atInputStart) {
    }

    private static final Pattern GPT2 = OnigRegex.compile(OnigRegex.GPT2, "(built in)", "GPT-2 pattern");

    private final List<Step> steps;

    private PreTokenizer(List<Step> steps) {
        this.steps = steps;
    }

    static PreTokenizer fromJson(Object json, String file) {
        List<Step> steps = new ArrayList<>();
        if (json != null) {
            collect(json, file, "pre_tokenizer", steps);
        }
        return new PreTokenizer(List.copyOf(steps));
    }

    private static void collect(Object json, String file, String field, List<Step> steps) {
        Map<String, Object> p = JsonFields.object(json, file, field);
        String type = JsonFields.type(p, file, field);
        switch (type) {
            case "Sequence" -> {
                List<Object> inner = JsonFields.list(p.get("pretokenizers"), file, field + ".pretokenizers");
                for (int i = 0; i < inner.size(); i++) {
                    collect(inner.get(i), file, field + ".pretokenizers[" + i + "]", steps);
                }
            }
            case "Metaspace" -> {
                String replacement = Character.toString(JsonFields.codePoint(p.get("replacement"), file,
                        field + ".replacement"));
                String scheme = JsonFields.optString(p, "prepend_scheme", file, field + ".prepend_scheme");
                if (scheme == null) {
                    scheme = JsonFields.bool(p, "add_prefix_space", true, file, field + ".add_prefix_space")
                            ? "always" : "never";
                } else if (!List.of("always", "first", "never").contains(scheme)) {
                    throw JsonFields.bad(file, field + ".prepend_scheme", "\"" + scheme + "\" must be always, first or"
                            + " never");
                }
                boolean split = JsonFields.bool(p, "split", true, file, field + ".split");
                steps.add(new Metaspace(replacement, scheme, split));
            }
            case "Split" -> {
                Map<String, Object> pattern = JsonFields.object(p.get("pattern"), file, field + ".pattern");
                Pattern compiled;
                if (pattern.containsKey("Regex")) {
                    String regex = JsonFields.string(pattern.get("Regex"), file, field + ".pattern.Regex");
                    compiled = OnigRegex.compile(regex, file, field + ".pattern.Regex");
                } else if (pattern.containsKey("String")) {
                    String literal = JsonFields.string(pattern.get("String"), file, field + ".pattern.String");
                    compiled = Pattern.compile(Pattern.quote(literal));
                } else {
                    throw JsonFields.bad(file, field + ".pattern", "must be {\"Regex\": ...} or {\"String\": ...}");
                }
                String behavior = JsonFields.string(p.get("behavior"), file, field + ".behavior");
                steps.add(new Split(compiled, behavior(behavior, file, field + ".behavior"),
                        JsonFields.bool(p, "invert", false, file, field + ".invert")));
            }
            case "ByteLevel" -> steps.add(new ByteLevelStep(
                    JsonFields.bool(p, "add_prefix_space", true, file, field + ".add_prefix_space"),
                    JsonFields.bool(p, "use_regex", true, file, field + ".use_regex")));
            case "Digits" -> steps.add(new Split(Pattern.compile("\\p{N}"),
                    JsonFields.bool(p, "individual_digits", false, file, field + ".individual_digits")
                            ? Behavior.ISOLATED : Behavior.CONTIGUOUS, false));
            case "Whitespace" -> steps.add(new Split(OnigRegex.compile("\\w+|[^\\w\\s]+", file, field),
                    Behavior.REMOVED, true));
            case "WhitespaceSplit" -> steps.add(new Split(Pattern.compile("\\p{IsWhite_Space}"), Behavior.REMOVED,
                    false));
            default -> throw JsonFields.bad(file, field + ".type", "\"" + type + "\" is not supported; supported"
                    + " pre-tokenizers: Sequence, Metaspace, Split, ByteLevel, Digits, Whitespace, WhitespaceSplit");
        }
    }

    private static Behavior behavior(String name, String file, String field) {
        return switch (name) {
            case "Isolated" -> Behavior.ISOLATED;
            case "Removed" -> Behavior.REMOVED;
            case "MergedWithPrevious" -> Behavior.MERGED_WITH_PREVIOUS;
            case "MergedWithNext" -> Behavior.MERGED_WITH_NEXT;
            case "Contiguous" -> Behavior.CONTIGUOUS;
            default -> throw JsonFields.bad(file, field, "\"" + name + "\" must be Isolated, Removed,"
                    + " MergedWithPrevious, MergedWithNext or Contiguous");
        };
    }

    /** Passes the words of one normalized piece; {@code atInputStart}: the piece begins the whole input text. */
    void split(String text, boolean atInputStart, Consumer<String> words) {
        if (steps.isEmpty()) {
            words.accept(text);
            return;
        }
        List<Piece> pieces = List.of(new Piece(text, atInputStart));
        for (Step step : steps) {
            List<Piece> next = new ArrayList<>(pieces.size() * 2);
            for (Piece piece : pieces) {
                switch (step) {
                    case Metaspace m -> metaspace(m, piece, next);
                    case Split s -> split(s.pattern(), s.behavior(), s.invert(), piece, next);
                    case ByteLevelStep b -> byteLevel(b, piece, next);
                }
            }
            pieces = next;
        }
        for (Piece piece : pieces) {
            words.accept(piece.text());
        }
    }

    private static void metaspace(Metaspace m, Piece piece, List<Piece> out) {
        String replacement = m.replacement();
        String s = piece.text().replace(" ", replacement);
        String scheme = m.prependScheme();
        boolean prepend = scheme.equals("always") || (scheme.equals("first") && piece.atInputStart());
        if (prepend && !s.isEmpty() && !s.startsWith(replacement)) {
            s = replacement + s;
        }
        if (!m.split()) {
            add(out, s, piece.atInputStart());
            return;
        }
        int start = 0;
        for (int i = s.indexOf(replacement, 1); i >= 0; i = s.indexOf(replacement, i + 1)) {
            add(out, s.substring(start, i), piece.atInputStart() && start == 0);
            start = i;
        }
        add(out, s.substring(start), piece.atInputStart() && start == 0);
    }

    private static void byteLevel(ByteLevelStep b, Piece piece, List<Piece> out) {
        String s = piece.text();
        if (b.addPrefixSpace() && !s.startsWith(" ")) {
            s = " " + s;
        }
        if (!b.useRegex()) {
            add(out, ByteLevel.encode(s), piece.atInputStart());
            return;
        }
        List<Piece> cut = new ArrayList<>();
        split(GPT2, Behavior.ISOLATED, false, new Piece(s, piece.atInputStart()), cut);
        for (Piece c : cut) {
            out.add(new Piece(ByteLevel.encode(c.text()), c.atInputStart()));
        }
    }

    /**
     * Hugging Face's split: the text as alternating gaps and matches (an empty match right after a match is
     * skipped, as the onig crate's find_iter does), matches and gaps swapped when invert, then grouped per behavior
     * exactly as SplitDelimiterBehavior does; empty pieces are dropped.
     */
    private static void split(Pattern pattern, Behavior behavior, boolean invert, Piece piece, List<Piece> out) {
        String s = piece.text();
        IntList bounds = new IntList();   // [segments * 3] start, end, isMatch (0/1)
        Matcher m = pattern.matcher(s);
        int done = 0;
        int lastMatchEnd = -1;
        int from = 0;
        while (from <= s.length() && m.find(from)) {
            int start = m.start();
            int end = m.end();
            from = start < end ? end : end < s.length() ? s.offsetByCodePoints(end, 1) : s.length() + 1;
            if (start == end && end == lastMatchEnd) {
                continue;
            }
            lastMatchEnd = end;
            if (done < start) {
                addSegment(bounds, done, start, invert);
            }
            addSegment(bounds, start, end, !invert);
            done = end;
        }
        if (done < s.length()) {
            addSegment(bounds, done, s.length(), invert);
        }
        int[] seg = bounds.toArray();
        int n = seg.length / 3;
        int[] starts = new int[n];
        int[] ends = new int[n];
        int kept = 0;
        boolean previousMatch = false;
        if (behavior == Behavior.MERGED_WITH_NEXT) {   // HF folds this one from the right
            for (int i = n - 1; i >= 0; i--) {
                boolean isMatch = seg[3 * i + 2] == 1;
                if (isMatch && !previousMatch && kept > 0) {
                    starts[kept - 1] = seg[3 * i];
                } else {
                    starts[kept] = seg[3 * i];
                    ends[kept++] = seg[3 * i + 1];
                }
                previousMatch = isMatch;
            }
            for (int i = kept - 1; i >= 0; i--) {
                emit(piece, starts[i], ends[i], out);
            }
            return;
        }
        for (int i = 0; i < n; i++) {
            int start = seg[3 * i];
            int end = seg[3 * i + 1];
            boolean isMatch = seg[3 * i + 2] == 1;
            boolean extend = switch (behavior) {
                case MERGED_WITH_PREVIOUS -> isMatch && !previousMatch && kept > 0;
                case CONTIGUOUS -> isMatch == previousMatch && kept > 0;
                default -> false;
            };
            previousMatch = isMatch;
            if (behavior == Behavior.REMOVED && isMatch) {
                continue;
            }
            if (extend) {
                ends[kept - 1] = end;
            } else {
                starts[kept] = start;
                ends[kept++] = end;
            }
        }
        for (int i = 0; i < kept; i++) {
            emit(piece, starts[i], ends[i], out);
        }
    }

    private static void addSegment(IntList bounds, int start, int end, boolean isMatch) {
        bounds.add(start);
        bounds.add(end);
        bounds.add(isMatch ? 1 : 0);
    }

    private static void emit(Piece piece, int start, int end, List<Piece> out) {
        add(out, piece.text().substring(start, end), piece.atInputStart() && start == 0);
    }

    private static void add(List<Piece> out, String text, boolean atInputStart) {
        if (!text.isEmpty()) {
            out.add(new Piece(text, atInputStart));
        }
    }
}
