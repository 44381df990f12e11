package org.specula.testdata;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Writes {@code tokenizer.json}, {@code tokenizer_config.json} and {@code special_tokens_map.json} in the Llama-2
 * SentencePiece style of stories260K: normalizer Prepend/Replace "▁", BPE with byte fallback, ids 0..2 the special
 * tokens {@code <unk> <s> </s>}, ids 3..258 the byte tokens {@code <0x00>..<0xFF>}, then pieces up to the vocabulary
 * size. Pieces are either single characters or the concatenation of two earlier pieces, and each concatenation comes
 * with its merge, so the vocabulary and the merges are consistent and ordinary English text tokenizes (characters
 * without a piece fall back to bytes).
 */
public final class TokenizerFiles {
    /** Ids of the special tokens, as in stories260K. */
    public static final int UNK = 0, BOS = 1, EOS = 2;
    /** Id of the byte token {@code <0x00>}; byte b has id {@code FIRST_BYTE + b}. */
    public static final int FIRST_BYTE = 3;
    /** Id of the first ordinary piece (and the smallest vocabulary size). */
    public static final int FIRST_PIECE = FIRST_BYTE + 256;

    private static final String LOWERCASE_BY_FREQUENCY = "etaonihsrdlucmwfygpbvkjxqz";
    private static final Pattern WORD_LIKE = Pattern.compile("▁?[a-z]*");

    /**
     * The hand-picked start of the vocabulary, in id order: a single character is a piece, "left right" is a merge
     * whose result is the next piece. Common characters come early and common merges right after, so that even a
     * 300-token vocabulary turns "▁the" into one token.
     */
    private static final String[] CURATED = {
            "▁", "e", "t", "a", "o", "h", "n", "s", "i", "r", "d", "l",
            "▁ t", "h e", "▁ a", "▁ s", "i n", "e r", "▁t he", "a n", "r e", "o n", "n d", "e d", "▁ h",
            "u", "y", "w", "m", "c", "g", "f", "p", "b", "k", "v", ".", ",", "'", "!", "?", "\"",
            "▁ w", "▁ b", "o u", "in g", "▁ f", "▁a nd", "i t", "▁ c", "▁ m", "▁ l", "▁ d", "▁ p", "▁ o", "▁ i", "a t",
            "e n", "a r", "o r", "l e", "a s", "o m", "▁t o", "▁w a", "▁wa s", "▁h e", "▁s he", "a y", "▁ y", "o w",
            "j", "x", "q", "z",
            "A", "B", "C", "D", "E", "F", "G", "H", "I", "J", "K", "L", "M", "N", "O", "P", "Q", "R", "S", "T", "U",
            "V", "W", "X", "Y", "Z", "0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "-", ":", ";", "(", ")",
            "▁ T", "▁T he", "▁ I", "▁ O", "▁O n", "c e", "▁On ce", "▁ u", "▁u p", "▁up on", "i m", "▁t im", "▁tim e",
            "▁ S", "▁ L", "▁L i", "l y", "▁Li ly", "▁ H", "▁ B", "▁ M", "▁ A", "▁ W", "▁ n", "▁ g", "▁ e", "▁ r",
    };

    private TokenizerFiles() {
    }

    /** The pieces with ids {@code FIRST_PIECE, FIRST_PIECE + 1, ...}, {@code vocab - FIRST_PIECE} of them. */
    public static List<String> pieces(int vocab) {
        return build(vocab).pieces;
    }

    /** The merges ("left right", in rank order) that go with {@link #pieces(int)}. */
    public static List<String> merges(int vocab) {
        return build(vocab).merges;
    }

    /** Writes tokenizer.json, tokenizer_config.json and special_tokens_map.json into {@code dir}. */
    public static void write(Path dir, int vocab, int modelMaxLength) {
        Vocabulary v = build(vocab);
        StringBuilder json = new StringBuilder(64 * vocab).append(HEAD);
        json.append("""
                  "model": {
                    "type": "BPE",
                    "dropout": null,
                    "unk_token": "<unk>",
                    "continuing_subword_prefix": null,
                    "end_of_word_suffix": null,
                    "fuse_unk": true,
                    "byte_fallback": true,
                    "ignore_merges": false,
                    "vocab": {
                """);
        List<String> tokens = new ArrayList<>(List.of("<unk>", "<s>", "</s>"));
        for (int b = 0; b < 256; b++) {
            tokens.add(byteToken(b));
        }
        tokens.addAll(v.pieces);
        for (int id = 0; id < tokens.size(); id++) {
            json.append("      ").append(JsonText.quote(tokens.get(id))).append(": ").append(id)
                    .append(id + 1 < tokens.size() ? ",\n" : "\n");
        }
        json.append("    },\n    \"merges\": [\n");
        for (int i = 0; i < v.merges.size(); i++) {
            json.append("      ").append(JsonText.quote(v.merges.get(i)))
                    .append(i + 1 < v.merges.size() ? ",\n" : "\n");
        }
        json.append("    ]\n  }\n}");
        write(dir.resolve("tokenizer.json"), json.toString());
        write(dir.resolve("tokenizer_config.json"),
                CONFIG.replace("MODEL_MAX_LENGTH", Integer.toString(modelMaxLength)));
        write(dir.resolve("special_tokens_map.json"), """
                {
                  "bos_token": "<s>",
                  "eos_token": "</s>",
                  "unk_token": "<unk>"
                }""");
    }

    /** The byte-fallback token for byte {@code b}, e.g. {@code <0x0A>}. */
    public static String byteToken(int b) {
        return String.format(Locale.ROOT, "<0x%02X>", b);
    }

    private record Vocabulary(List<String> pieces, List<String> merges) {
    }

    private static Vocabulary build(int vocab) {
        if (vocab < FIRST_PIECE) {
            throw new IllegalArgumentException("vocab " + vocab + " < " + FIRST_PIECE + " (3 special + 256 bytes)");
        }
        int wanted = vocab - FIRST_PIECE;
        List<String> pieces = new ArrayList<>(wanted);
        List<String> merges = new ArrayList<>();
        Set<String> known = new HashSet<>();
        for (String entry : CURATED) {
            if (pieces.size() == wanted) {
                break;
            }
            int space = entry.indexOf(' ');
            if (space < 0) {
                add(pieces, known, entry);
            } else {
                String left = entry.substring(0, space), right = entry.substring(space + 1);
                if (!known.contains(left) || !known.contains(right) || !add(pieces, known, left + right)) {
                    throw new IllegalStateException("inconsistent curated merge " + entry);
                }
                merges.add(entry);
            }
        }
        // Then every word-like piece (▁ and lowercase letters) grows by each lowercase letter, in id order.
        for (int j = 0; pieces.size() < wanted; j++) {
            String left = pieces.get(j);
            if (!WORD_LIKE.matcher(left).matches()) {
                continue;
            }
            for (int k = 0; k < LOWERCASE_BY_FREQUENCY.length() && pieces.size() < wanted; k++) {
                String right = LOWERCASE_BY_FREQUENCY.substring(k, k + 1);
                if (add(pieces, known, left + right)) {
                    merges.add(left + " " + right);
                }
            }
        }
        return new Vocabulary(List.copyOf(pieces), List.copyOf(merges));
    }

    private static boolean add(List<String> pieces, Set<String> known, String piece) {
        if (!known.add(piece)) {
            return false;
        }
        pieces.add(piece);
        return true;
    }

    private static void write(Path file, String text) {
        try {
            Files.writeString(file, text);
        } catch (IOException e) {
            throw new UncheckedIOException("writing " + file, e);
        }
    }

    /** tokenizer.json up to "model", verbatim from stories260K. */
    private static final String HEAD = """
            {
              "version": "1.0",
              "truncation": null,
              "padding": null,
              "added_tokens": [
                {
                  "id": 0,
                  "content": "<unk>",
                  "single_word": false,
                  "lstrip": false,
                  "rstrip": false,
                  "normalized": false,
                  "special": true
                },
                {
                  "id": 1,
                  "content": "<s>",
                  "single_word": false,
                  "lstrip": false,
                  "rstrip": false,
                  "normalized": false,
                  "special": true
                },
                {
                  "id": 2,
                  "content": "</s>",
                  "single_word": false,
                  "lstrip": false,
                  "rstrip": false,
                  "normalized": false,
                  "special": true
                }
              ],
              "normalizer": {
                "type": "Sequence",
                "normalizers": [
                  {
                    "type": "Prepend",
                    "prepend": "▁"
                  },
                  {
                    "type": "Replace",
                    "pattern": {
                      "String": " "
                    },
                    "content": "▁"
                  }
                ]
              },
              "pre_tokenizer": null,
              "post_processor": {
                "type": "TemplateProcessing",
                "single": [
                  {
                    "SpecialToken": {
                      "id": "<s>",
                      "type_id": 0
                    }
                  },
                  {
                    "Sequence": {
                      "id": "A",
                      "type_id": 0
                    }
                  }
                ],
                "pair": [
                  {
                    "SpecialToken": {
                      "id": "<s>",
                      "type_id": 0
                    }
                  },
                  {
                    "Sequence": {
                      "id": "A",
                      "type_id": 0
                    }
                  },
                  {
                    "SpecialToken": {
                      "id": "<s>",
                      "type_id": 1
                    }
                  },
                  {
                    "Sequence": {
                      "id": "B",
                      "type_id": 1
                    }
                  }
                ],
                "special_tokens": {
                  "<s>": {
                    "id": "<s>",
                    "ids": [
                      1
                    ],
                    "tokens": [
                      "<s>"
                    ]
                  }
                }
              },
              "decoder": {
                "type": "Sequence",
                "decoders": [
                  {
                    "type": "Replace",
                    "pattern": {
                      "String": "▁"
                    },
                    "content": " "
                  },
                  {
                    "type": "ByteFallback"
                  },
                  {
                    "type": "Fuse"
                  },
                  {
                    "type": "Strip",
                    "content": " ",
                    "start": 1,
                    "stop": 0
                  }
                ]
              },
            """;

    private static final String CONFIG = """
            {
              "add_bos_token": true,
              "add_eos_token": false,
              "bos_token": "<s>",
              "eos_token": "</s>",
              "unk_token": "<unk>",
              "pad_token": null,
              "clean_up_tokenization_spaces": false,
              "legacy": true,
              "model_max_length": MODEL_MAX_LENGTH,
              "sp_model_kwargs": {},
              "tokenizer_class": "LlamaTokenizer",
              "added_tokens_decoder": {
                "0": {"content": "<unk>", "single_word": false, "lstrip": false, "rstrip": false, "normalized": false,
                  "special": true},
                "1": {"content": "<s>", "single_word": false, "lstrip": false, "rstrip": false, "normalized": false,
                  "special": true},
                "2": {"content": "</s>", "single_word": false, "lstrip": false, "rstrip": false, "normalized": false,
                  "special": true}
              }
            }""";
}
