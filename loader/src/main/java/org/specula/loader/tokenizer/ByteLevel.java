package org.specula.loader.tokenizer;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * GPT-2's reversible byte ↔ character map ({@code bytes_to_unicode}): byte-level BPE vocabularies spell every byte
 * as one printable character, so any text is a string of vocab characters. The printable bytes '!'..'~',
 * '¡'..'¬', '®'..'ÿ' map to themselves; the other 68 bytes map to U+0100, U+0101, ... in byte order (so ' ' is
 * 'Ġ' U+0120 and '\n' is 'Ċ' U+010A).
 */
final class ByteLevel {
    private static final char[] CHAR_OF_BYTE = new char[256];   // [256]
    private static final int[] BYTE_OF_CHAR = new int[0x144];   // [0x144] byte of a mapped char, -1 if none

    static {
        Arrays.fill(BYTE_OF_CHAR, -1);
        int extra = 0;
        for (int b = 0; b < 256; b++) {
            boolean printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
            char c = printable ? (char) b : (char) (256 + extra++);
            CHAR_OF_BYTE[b] = c;
            BYTE_OF_CHAR[c] = b;
        }
    }

    private ByteLevel() {
    }

    /** The UTF-8 bytes of text, each spelled as its mapped character; an unpaired surrogate becomes '?'. */
    static String encode(String text) {
        int n = text.length();
        boolean ascii = true;
        for (int i = 0; i < n && ascii; i++) {
            ascii = text.charAt(i) < 0x80;
        }
        char[] out;
        if (ascii) {
            out = new char[n];
            for (int i = 0; i < n; i++) {
                out[i] = CHAR_OF_BYTE[text.charAt(i)];
            }
        } else {
            byte[] utf8 = text.getBytes(StandardCharsets.UTF_8);
            out = new char[utf8.length];
            for (int i = 0; i < utf8.length; i++) {
                out[i] = CHAR_OF_BYTE[utf8[i] & 0xFF];
            }
        }
        return new String(out);
    }

    /** The character that spells byte b (0..255). */
    static char charOf(int b) {
        return CHAR_OF_BYTE[b];
    }

    /** The byte a mapped character stands for, or -1 when c is not one of the 256 mapped characters. */
    static int byteOf(char c) {
        return c < BYTE_OF_CHAR.length ? BYTE_OF_CHAR[c] : -1;
    }
}
