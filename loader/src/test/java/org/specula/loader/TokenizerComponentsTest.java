package org.specula.loader;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.specula.loader.tokenizer.Tokenizer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The pieces of Hugging Face semantics the real tokenizers do not exercise, on tiny hand-written tokenizer.json
 * files; each expectation is worked out from the tokenizers library's rules, stated beside it.
 */
class TokenizerComponentsTest {
    @TempDir
    Path dir;

    private Tokenizer load(String json) throws IOException {
        return Tokenizer.load(Files.writeString(dir.resolve("tokenizer.json"), json));
    }

    private static String bpe(String vocab, String merges, String options) {
        return "{\"type\": \"BPE\", \"vocab\": {" + vocab + "}, \"merges\": [" + merges + "]" + options + "}";
    }

    @Test
    void lowestRankMergesFirstAndStaleMergesAreSkipped() throws IOException {
        String vocab = "\"a\": 0, \"b\": 1, \"c\": 2, \"ab\": 3, \"bc\": 4, \"abc\": 5, \"aa\": 6";
        // b+c (rank 0) first; then the queued a+b no longer applies; a+bc (rank 2) makes abc.
        Tokenizer t = load("{\"model\": " + bpe(vocab, "\"b c\", \"a b\", \"a bc\", \"a a\"", "") + "}");
        assertArrayEquals(new int[] {5}, t.encode("abc", false));
        // Equal ranks merge leftmost first: aaa -> aa a.
        assertArrayEquals(new int[] {6, 0}, t.encode("aaa", false));
        // Merges as [left, right] pairs mean the same.
        Tokenizer pairs = load("{\"model\": " + bpe(vocab, "[\"a\", \"b\"], [\"ab\", \"c\"]", "") + "}");
        assertArrayEquals(new int[] {5}, pairs.encode("abc", false));
        assertArrayEquals(new int[] {1, 2}, pairs.encode("bc", false));
    }

    @Test
    void ignoreMergesTakesAWholeWordFromTheVocab() throws IOException {
        String vocab = "\"a\": 0, \"b\": 1, \"ab\": 2, \"abab\": 3";
        assertArrayEquals(new int[] {2, 2},
                load("{\"model\": " + bpe(vocab, "\"a b\"", "") + "}").encode("abab", false));
        assertArrayEquals(new int[] {3},
                load("{\"model\": " + bpe(vocab, "\"a b\"", ", \"ignore_merges\": true") + "}").encode("abab", false));
    }

    @Test
    void unknownCharactersBecomeUnkFusedOrNotOrVanish() throws IOException {
        String vocab = "\"<unk>\": 0, \"a\": 1";
        assertArrayEquals(new int[] {0, 1, 0},
                load("{\"model\": " + bpe(vocab, "", ", \"unk_token\": \"<unk>\", \"fuse_unk\": true") + "}")
                        .encode("xya日", false));
        assertArrayEquals(new int[] {0, 0, 1, 0},
                load("{\"model\": " + bpe(vocab, "", ", \"unk_token\": \"<unk>\"") + "}").encode("xya日", false));
        assertArrayEquals(new int[] {1}, load("{\"model\": " + bpe(vocab, "", "") + "}").encode("xya", false));
    }

    private static final String META_VOCAB =
            "\"<s>\": 0, \"a\": 1, \"b\": 2, \"▁\": 3, \"▁a\": 4, \"▁b\": 5, \"<x>\": 6";
    private static final String META_MERGES = "\"▁ a\", \"▁ b\"";

    private Tokenizer metaspace(String scheme, boolean split) throws IOException {
        return load("{\"added_tokens\": [{\"id\": 6, \"content\": \"<x>\", \"special\": false, \"normalized\": false},"
                + " {\"id\": 0, \"content\": \"<s>\", \"special\": true, \"normalized\": false}],"
                + " \"pre_tokenizer\": {\"type\": \"Metaspace\", \"replacement\": \"▁\", \"prepend_scheme\": \""
                + scheme + "\", \"split\": " + split + "},"
                + " \"decoder\": {\"type\": \"Metaspace\", \"replacement\": \"▁\", \"prepend_scheme\": \"" + scheme
                + "\", \"split\": " + split + "},"
                + " \"model\": " + bpe(META_VOCAB, META_MERGES, "") + "}");
    }

    @Test
    void metaspacePrependsOnlyWhereItsSchemeSays() throws IOException {
        Tokenizer first = metaspace("first", false);
        assertArrayEquals(new int[] {4, 5}, first.encode("a b", false));
        assertArrayEquals(new int[] {4}, first.encode(" a", false), "no second ▁ before an existing one");
        // The non-special <x> is always an added token; "first" prepends only to the text at the input's start.
        assertArrayEquals(new int[] {4, 6, 2}, first.encode("a<x>b", false));
        assertArrayEquals(new int[] {4, 6, 5}, metaspace("always", false).encode("a<x>b", false));
        assertArrayEquals(new int[] {1, 6, 2}, metaspace("never", false).encode("a<x>b", false));
        // split=true cuts before each ▁, so no merge crosses a word boundary; the result is the same here.
        assertArrayEquals(new int[] {4, 5}, metaspace("first", true).encode("a b", false));
        // Parsed, <s> is its id and the "a" after it is not at the input's start, so it gets no ▁.
        assertArrayEquals(new int[] {0, 1}, first.encode("<s>a", false, true));
        // Unparsed, "▁<s>a": '<', 's', '>' have no piece, no unk and no bytes, so they vanish and ▁ a merge.
        assertArrayEquals(new int[] {4}, first.encode("<s>a", false));
    }

    /**
     * The Metaspace decoder drops every ▁ of the first piece and turns the others into spaces, so with the
     * "first" scheme a leading space does not survive a round trip: " a" encodes like "a" (HF does the same).
     */
    @Test
    void metaspaceDecoderDropsTheFirstPiecesMarker() throws IOException {
        Tokenizer t = metaspace("first", false);
        assertEquals("a b", t.decode(new int[] {4, 5}));
        assertEquals("a", t.decode(t.encode(" a", false)));
        assertEquals(" a b", TokenizerTest.stream(t, new int[] {4, 5}, false));
        assertEquals("a b", TokenizerTest.stream(t, new int[] {4, 5}, true));
        assertEquals(" a", metaspace("never", false).decode(new int[] {4}));
    }

    @Test
    void addedTokensStripAdjacentWhitespaceWhenAsked() throws IOException {
        Tokenizer t = load("{\"added_tokens\": [{\"id\": 2, \"content\": \"<m>\", \"special\": false,"
                + " \"lstrip\": true, \"rstrip\": true, \"normalized\": false}],"
                + " \"model\": " + bpe("\"a\": 0, \"b\": 1, \" \": 3", "", "") + "}");
        // lstrip takes the space before, rstrip the no-break space after (Unicode White_Space, unlike Java's).
        assertArrayEquals(new int[] {0, 2, 1}, t.encode("a <m>\u00A0b", false));
        assertArrayEquals(new int[] {0, 3, 3, 0}, t.encode("a  a", false));
    }

    /** A normalized added token is looked for, normalized itself, in the normalized text: "ab" as "▁ab". */
    @Test
    void normalizedAddedTokensMatchTheNormalizedText() throws IOException {
        Tokenizer t = load("{\"added_tokens\": [{\"id\": 9, \"content\": \"ab\", \"special\": false,"
                + " \"normalized\": true}],"
                + " \"normalizer\": {\"type\": \"Sequence\", \"normalizers\": [{\"type\": \"Prepend\","
                + " \"prepend\": \"▁\"}, {\"type\": \"Replace\", \"pattern\": {\"String\": \" \"},"
                + " \"content\": \"▁\"}]},"
                + " \"model\": " + bpe("\"▁\": 0, \"a\": 1, \"b\": 2, \"x\": 3", "", "") + "}");
        assertArrayEquals(new int[] {9}, t.encode("ab", false));
        assertArrayEquals(new int[] {0, 3, 9}, t.encode("x ab", false));
        assertArrayEquals(new int[] {0, 3, 1, 2}, t.encode("xab", false));
    }

    @Test
    void noDecoderJoinsPiecesWithSpaces() throws IOException {
        Tokenizer t = load("{\"model\": " + bpe("\"a\": 0, \"b\": 1", "", "") + "}");
        assertEquals("a b a", t.decode(new int[] {0, 1, 0}));
        assertEquals(" a b", TokenizerTest.stream(t, new int[] {0, 1}, false));
    }

    @Test
    void stripRemovesUpToItsCountsAtBothEnds() throws IOException {
        Tokenizer t = load("{\"decoder\": {\"type\": \"Sequence\", \"decoders\": [{\"type\": \"Fuse\"},"
                + " {\"type\": \"Strip\", \"content\": \" \", \"start\": 2, \"stop\": 1}]},"
                + " \"model\": " + bpe("\"a\": 0, \" \": 1", "", "") + "}");
        int[] ids = {1, 1, 1, 0, 1, 0, 1, 1};   // "   a a  "
        assertEquals(" a a ", t.decode(ids));
        assertEquals(" a a ", TokenizerTest.stream(t, ids, true));
    }
}
