package org.specula.loader.tokenizer;

import org.specula.loader.JsonFields;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * The tokenizer.json decoder (pieces → text) as a chain of streaming stages, so that one implementation serves
 * both {@code decode} and the streaming decoder and the two agree by construction. Hugging Face's decoders map a
 * list of pieces to a list of pieces; here each stage receives fragments flagged {@code newToken} when they start a
 * piece of that list (after Fuse, every later fragment continues the single fused piece). Supported: Sequence,
 * Replace (literal), ByteFallback, Fuse, Strip, Metaspace, ByteLevel; a null decoder joins pieces with ' ', as HF
 * does.
 * ByteFallback holds a run of {@code <0xNN>} pieces until a non-byte piece or the end: a valid UTF-8 run becomes
 * its text, an invalid one one U+FFFD per byte (HF's rule, so a run is only printed once it is known to be valid).
 * ByteLevel turns pieces back into bytes and the whole sequence into one lossy UTF-8 string (U+FFFD per maximal
 * invalid subpart); streaming, it holds back only a trailing incomplete-but-valid-so-far UTF-8 sequence.
 */
final class DecoderChain {
    /**
     * One decoder as parsed: builds a fresh stage for each session, since stages hold per-sequence state and the
     * chain is shared. The parse switch is the only place that knows the decoder types.
     */
    private interface Spec {
        Stage build(Stage next, boolean atSequenceStart);
    }

    private final List<Spec> specs;

    private DecoderChain(List<Spec> specs) {
        this.specs = specs;
    }

    static DecoderChain fromJson(Object json, String file) {
        List<Spec> specs = new ArrayList<>();
        if (json == null) {
            specs.add(SpaceJoinStage::new);
        } else {
            collect(json, file, "decoder", specs);
        }
        return new DecoderChain(List.copyOf(specs));
    }

    private static void collect(Object json, String file, String field, List<Spec> specs) {
        Map<String, Object> d = JsonFields.object(json, file, field);
        String type = JsonFields.type(d, file, field);
        switch (type) {
            case "Sequence" -> {
                List<Object> inner = JsonFields.list(d.get("decoders"), file, field + ".decoders");
                for (int i = 0; i < inner.size(); i++) {
                    collect(inner.get(i), file, field + ".decoders[" + i + "]", specs);
                }
            }
            case "Replace" -> {
                String pattern = JsonFields.stringPattern(d.get("pattern"), file, field + ".pattern");
                String content = JsonFields.string(d.get("content"), file, field + ".content");
                specs.add((next, atSequenceStart) -> new ReplaceStage(next, pattern, content));
            }
            case "ByteFallback" -> specs.add((next, atSequenceStart) -> new ByteFallbackStage(next));
            case "ByteLevel" -> specs.add(ByteLevelStage::new);
            case "Fuse" -> specs.add(FuseStage::new);
            case "Strip" -> {
                int content = JsonFields.codePoint(d.get("content"), file, field + ".content");
                int start = JsonFields.index(d.get("start"), file, field + ".start");
                int stop = JsonFields.index(d.get("stop"), file, field + ".stop");
                specs.add((next, atSequenceStart) -> new StripStage(next, content, start, stop));
            }
            case "Metaspace" -> {
                String scheme = JsonFields.optString(d, "prepend_scheme", file, field + ".prepend_scheme");
                boolean prepend = scheme == null
                        ? JsonFields.bool(d, "add_prefix_space", true, file, field + ".add_prefix_space")
                        : !scheme.equals("never");
                int replacement = JsonFields.codePoint(d.get("replacement"), file, field + ".replacement");
                specs.add((next, atSequenceStart) -> new MetaspaceStage(next, replacement, prepend, atSequenceStart));
            }
            default -> throw JsonFields.bad(file, field + ".type", "\"" + type + "\" is not supported; supported"
                    + " decoders: Sequence, Replace, ByteFallback, Fuse, Strip, Metaspace, ByteLevel");
        }
    }

    /**
     * A fresh decoding state. {@code atSequenceStart}: the first piece starts the text (Strip and Metaspace may
     * remove its leading space); false continues text decoded before, so nothing is stripped from it.
     */
    Session start(boolean atSequenceStart) {
        return new Session(specs, atSequenceStart);
    }

    /** Feeds pieces one at a time; each call returns the text that became final. */
    static final class Session {
        private final StringBuilder sink = new StringBuilder();
        private final Stage head;

        private Session(List<Spec> specs, boolean atSequenceStart) {
            Stage next = new Stage() {
                @Override
                void push(String fragment, boolean newToken) {
                    sink.append(fragment);
                }

                @Override
                void finish() {
                }
            };
            for (int i = specs.size() - 1; i >= 0; i--) {
                next = specs.get(i).build(next, atSequenceStart);
            }
            head = next;
        }

        /** Decodes one more piece; returns the text now final (possibly empty). */
        String accept(String piece) {
            head.push(piece, true);
            return drain();
        }

        /** Ends the sequence; returns the text still held back. */
        String finish() {
            head.finish();
            return drain();
        }

        private String drain() {
            String text = sink.toString();
            sink.setLength(0);
            return text;
        }
    }

    /** One decoder; forwards every fragment it receives (possibly emptied) so piece boundaries survive. */
    private abstract static class Stage {
        final Stage next;

        Stage() {
            this.next = null;
        }

        Stage(Stage next) {
            this.next = next;
        }

        abstract void push(String fragment, boolean newToken);

        void finish() {
            next.finish();
        }
    }

    private static final class ReplaceStage extends Stage {
        private final String pattern;   // a literal, not a regex
        private final String content;

        ReplaceStage(Stage next, String pattern, String content) {
            super(next);
            this.pattern = pattern;
            this.content = content;
        }

        @Override
        void push(String fragment, boolean newToken) {
            next.push(fragment.replace(pattern, content), newToken);
        }
    }

    private static final class ByteFallbackStage extends Stage {
        private byte[] run = new byte[8];   // [runLength] bytes of consecutive <0xNN> pieces
        private int runLength;

        ByteFallbackStage(Stage next) {
            super(next);
        }

        @Override
        void push(String fragment, boolean newToken) {
            int b = newToken ? byteOf(fragment) : -1;
            if (b >= 0) {
                if (runLength == run.length) {
                    run = Arrays.copyOf(run, runLength * 2);
                }
                run[runLength++] = (byte) b;
                return;
            }
            flush();
            next.push(fragment, newToken);
        }

        @Override
        void finish() {
            flush();
            next.finish();
        }

        private void flush() {
            if (runLength == 0) {
                return;
            }
            try {
                String text = StandardCharsets.UTF_8.newDecoder()
                        .onMalformedInput(CodingErrorAction.REPORT)
                        .onUnmappableCharacter(CodingErrorAction.REPORT)
                        .decode(ByteBuffer.wrap(run, 0, runLength)).toString();
                next.push(text, true);
            } catch (CharacterCodingException e) {
                for (int i = 0; i < runLength; i++) {
                    next.push("\uFFFD", true);
                }
            }
            runLength = 0;
        }

        /** The byte of a {@code <0xNN>} piece, else -1. */
        private static int byteOf(String piece) {
            if (piece.length() != 6 || !piece.startsWith("<0x") || piece.charAt(5) != '>') {
                return -1;
            }
            int hi = Character.digit(piece.charAt(3), 16);
            int lo = Character.digit(piece.charAt(4), 16);
            return hi < 0 || lo < 0 || piece.charAt(3) > 'f' || piece.charAt(4) > 'f' ? -1 : hi * 16 + lo;
        }
    }

    private static final class FuseStage extends Stage {
        private boolean first;

        FuseStage(Stage next, boolean atSequenceStart) {
            super(next);
            this.first = atSequenceStart;
        }

        @Override
        void push(String fragment, boolean newToken) {
            next.push(fragment, first);
            first = false;
        }
    }

    private static final class StripStage extends Stage {
        private final int content;                              // the code point stripped
        private final int start;                                // how many to strip from a piece's start
        private final int stop;                                 // and from its end
        private int startLeft;                                  // leading content chars still to drop
        private final StringBuilder held = new StringBuilder(); // trailing content chars, dropped at piece end
        private int heldCount;

        StripStage(Stage next, int content, int start, int stop) {
            super(next);
            this.content = content;
            this.start = start;
            this.stop = stop;
        }

        @Override
        void push(String fragment, boolean newToken) {
            if (newToken) {
                held.setLength(0);
                heldCount = 0;
                startLeft = start;
            }
            StringBuilder out = new StringBuilder(fragment.length());
            for (int i = 0; i < fragment.length(); ) {
                int c = fragment.codePointAt(i);
                i += Character.charCount(c);
                if (startLeft > 0 && c == content) {
                    startLeft--;
                    continue;
                }
                startLeft = 0;
                if (stop > 0 && c == content) {
                    if (heldCount == stop) {
                        int first = held.codePointAt(0);
                        out.appendCodePoint(first);
                        held.delete(0, Character.charCount(first));
                        heldCount--;
                    }
                    held.appendCodePoint(c);
                    heldCount++;
                } else {
                    out.append(held).appendCodePoint(c);
                    held.setLength(0);
                    heldCount = 0;
                }
            }
            next.push(out.toString(), newToken);
        }
    }

    private static final class MetaspaceStage extends Stage {
        private final String replacement;   // one character, usually "▁"
        private final boolean stripFirst;   // the first piece's replacement is dropped rather than made a space
        private int index;   // index of the current piece in the sequence (0 = the first; a continuation has none)

        MetaspaceStage(Stage next, int replacement, boolean stripFirst, boolean atSequenceStart) {
            super(next);
            this.replacement = Character.toString(replacement);
            this.stripFirst = stripFirst;
            this.index = atSequenceStart ? -1 : 1;
        }

        @Override
        void push(String fragment, boolean newToken) {
            if (newToken || index < 0) {
                index++;
            }
            next.push(fragment.replace(replacement, index == 0 && stripFirst ? "" : " "), newToken);
        }
    }

    private static final class SpaceJoinStage extends Stage {
        private int index;   // as in MetaspaceStage

        SpaceJoinStage(Stage next, boolean atSequenceStart) {
            super(next);
            this.index = atSequenceStart ? -1 : 1;
        }

        @Override
        void push(String fragment, boolean newToken) {
            if (newToken || index < 0) {
                index++;
            }
            next.push(newToken && index > 0 ? " " + fragment : fragment, newToken);
        }
    }

    /**
     * HF's ByteLevel decoder: each piece becomes the bytes its characters stand for (a piece with a character outside
     * the map, like an added token's text, its own UTF-8 bytes), and all bytes are decoded as one lossy UTF-8 string,
     * passed on as one piece. Streaming: bytes are decoded as soon as the only undecided bytes are an incomplete
     * sequence at the end that could still become valid; lossy decoding of the parts then equals that of the whole.
     */
    private static final class ByteLevelStage extends Stage {
        private byte[] pending = new byte[16];   // [pendingLength] bytes not yet decoded
        private int pendingLength;
        private boolean first;

        ByteLevelStage(Stage next, boolean atSequenceStart) {
            super(next);
            this.first = atSequenceStart;
        }

        @Override
        void push(String fragment, boolean newToken) {
            boolean mapped = true;
            for (int i = 0; i < fragment.length() && mapped; i++) {
                mapped = ByteLevel.byteOf(fragment.charAt(i)) >= 0;
            }
            if (mapped) {
                for (int i = 0; i < fragment.length(); i++) {
                    append((byte) ByteLevel.byteOf(fragment.charAt(i)));
                }
            } else {
                for (byte b : fragment.getBytes(StandardCharsets.UTF_8)) {
                    append(b);
                }
            }
            int ready = pendingLength - incompleteTail(pending, pendingLength);
            emit(ready);
        }

        @Override
        void finish() {
            emit(pendingLength);
            next.finish();
        }

        private void append(byte b) {
            if (pendingLength == pending.length) {
                pending = Arrays.copyOf(pending, pendingLength * 2);
            }
            pending[pendingLength++] = b;
        }

        private void emit(int count) {
            if (count == 0) {
                return;
            }
            String text = new String(pending, 0, count, StandardCharsets.UTF_8);
            System.arraycopy(pending, count, pending, 0, pendingLength - count);
            pendingLength -= count;
            next.push(text, first);
            first = false;
        }

        /**
         * The length of the trailing bytes that begin a UTF-8 sequence (lead C2..F4 and the allowed continuations so
         * far) without completing it; 0 when the bytes end on a character boundary or in an already invalid sequence.
         */
        static int incompleteTail(byte[] bytes, int length) {
            for (int back = 1; back <= Math.min(3, length); back++) {
                int lead = bytes[length - back] & 0xFF;
                if (lead >= 0x80 && lead < 0xC0) {
                    continue;   // a continuation byte; the lead is further back
                }
                int need = lead >= 0xC2 && lead <= 0xDF ? 2 : lead >= 0xE0 && lead <= 0xEF ? 3
                        : lead >= 0xF0 && lead <= 0xF4 ? 4 : 1;
                if (back >= need) {
                    return 0;   // complete (or ASCII / an invalid lead): nothing to wait for
                }
                if (back >= 2) {
                    int second = bytes[length - back + 1] & 0xFF;
                    int lo = lead == 0xE0 ? 0xA0 : lead == 0xF0 ? 0x90 : 0x80;
                    int hi = lead == 0xED ? 0x9F : lead == 0xF4 ? 0x8F : 0xBF;
                    if (second < lo || second > hi) {
                        return 0;   // already invalid: decoding it now gives the same U+FFFDs
                    }
                }
                return back;
            }
            return 0;
        }
    }
}
