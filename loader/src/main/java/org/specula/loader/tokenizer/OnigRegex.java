package org.specula.loader.tokenizer;

import org.specula.loader.JsonFields;

import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Translates the Oniguruma (Ruby syntax, UTF-8) regexes of tokenizer.json Split patterns into java.util.regex.
 * What differs and is rewritten: {@code \s}/{@code \S} are Unicode White_Space in Oniguruma but ASCII in Java;
 * {@code \d}, {@code \w}, {@code \h} (hex digit in Oniguruma, horizontal space in Java) likewise; {@code (?i)}
 * folds Unicode case in Oniguruma (so {@code 's} also matches {@code 'ſ}), which Java does only with the u flag;
 * {@code ^}/{@code $} are line anchors at '\n' and {@code .} excludes only '\n' (MULTILINE | UNIX_LINES).
 * Everything else the tokenizer patterns use ({@code \p{L}}, {@code \p{N}}, lookahead, possessive and atomic
 * groups, {@code {1,3}}) has the same meaning in both.
 */
final class OnigRegex {
    /** The pattern of GPT-2's ByteLevel pre-tokenizer (use_regex = true). */
    static final String GPT2 = "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+";

    private static final String SPACE = "\\p{IsWhite_Space}";
    private static final String NOT_SPACE = "\\P{IsWhite_Space}";
    private static final String WORD = "\\p{L}\\p{M}\\p{Nd}\\p{Pc}";

    private OnigRegex() {
    }

    static Pattern compile(String onig, String file, String field) {
        String java = translate(onig, file, field);
        try {
            return Pattern.compile(java, Pattern.MULTILINE | Pattern.UNIX_LINES);
        } catch (PatternSyntaxException e) {
            throw JsonFields.bad(file, field, "is a regex Specula cannot compile (" + e.getDescription() + " in the"
                    + " translation " + java + ")");
        }
    }

    static String translate(String onig, String file, String field) {
        StringBuilder out = new StringBuilder(onig.length() + 32);
        int classDepth = 0;
        for (int i = 0; i < onig.length(); i++) {
            char c = onig.charAt(i);
            if (c == '\\' && i + 1 < onig.length()) {
                char e = onig.charAt(++i);
                boolean inClass = classDepth > 0;
                switch (e) {
                    case 's' -> out.append(SPACE);
                    case 'S' -> out.append(NOT_SPACE);
                    case 'd' -> out.append("\\p{Nd}");
                    case 'D' -> out.append("\\P{Nd}");
                    case 'w' -> out.append(inClass ? WORD : "[" + WORD + "]");
                    case 'W' -> {
                        if (inClass) {
                            throw JsonFields.bad(file, field, "uses \\W inside a character class, which Specula"
                                    + " does not translate; write [^\\w] outside the class");
                        }
                        out.append("[^" + WORD + "]");
                    }
                    case 'h' -> out.append(inClass ? "0-9a-fA-F" : "[0-9a-fA-F]");
                    case 'H' -> {
                        if (inClass) {
                            throw JsonFields.bad(file, field, "uses \\H inside a character class, which Specula"
                                    + " does not translate");
                        }
                        out.append("[^0-9a-fA-F]");
                    }
                    default -> out.append(c).append(e);
                }
                if (e == 'p' || e == 'P' || e == 'x') {   // copy {Name} / {hex} verbatim
                    if (i + 1 < onig.length() && onig.charAt(i + 1) == '{') {
                        int close = onig.indexOf('}', i);
                        out.append(onig, i + 1, close + 1);
                        i = close;
                    }
                }
                continue;
            }
            if (c == '[') {
                classDepth++;
                out.append(c);
                if (i + 1 < onig.length() && onig.charAt(i + 1) == '^') {
                    out.append('^');
                    i++;
                }
                if (i + 1 < onig.length() && onig.charAt(i + 1) == ']') {   // a leading ']' is a literal
                    out.append("\\]");
                    i++;
                }
                continue;
            }
            if (c == ']' && classDepth > 0) {
                classDepth--;
            } else if (c == '(' && classDepth == 0 && onig.startsWith("(?", i)) {
                int j = i + 2;
                StringBuilder flags = new StringBuilder();
                while (j < onig.length() && "imx-".indexOf(onig.charAt(j)) >= 0) {
                    flags.append(onig.charAt(j++));
                }
                if (j < onig.length() && (onig.charAt(j) == ':' || onig.charAt(j) == ')') && !flags.isEmpty()) {
                    String f = flags.toString();
                    int minus = f.indexOf('-');
                    String on = minus < 0 ? f : f.substring(0, minus);
                    String off = minus < 0 ? "" : f.substring(minus);
                    if (on.indexOf('m') >= 0) {   // Ruby's (?m) is Java's DOTALL
                        on = on.replace("m", "s");
                    }
                    if (on.indexOf('i') >= 0) {
                        on = on + "u";
                    }
                    out.append("(?").append(on).append(off.replace('m', 's'));
                    i = j - 1;
                    continue;
                }
            }
            out.append(c);
        }
        return out.toString();
    }
}
