package org.specula.loader;

import org.specula.testdata.Samples;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/** Reads the shared tokenizer test vectors: llama.cpp's cases.inp/cases.out and stories260K/tokenizer_cases.json. */
final class TokenizerCases {
    record Case(String text, int[] ids) {
        @Override
        public String toString() {
            return Json.quote(text) + " -> " + Arrays.toString(ids);
        }
    }

    private TokenizerCases() {
    }

    /** llama.cpp format: each string is followed by a line {@code __ggml_vocab_test__}; line i of .out = ids. */
    static List<Case> ggml(String folder) {
        String inp = read(Samples.path(folder + "/cases.inp"));
        String out = read(Samples.path(folder + "/cases.out"));
        String separator = "\n__ggml_vocab_test__\n";
        List<String> texts = new ArrayList<>();
        int pos = 0;
        while (pos < inp.length()) {
            int next = inp.indexOf(separator, pos);
            if (next < 0) {
                throw new AssertionError(folder + "/cases.inp: text after the last separator at offset " + pos);
            }
            texts.add(inp.substring(pos, next));
            pos = next + separator.length();
        }
        String[] lines = out.split("\n", -1);
        if (lines.length != texts.size() + 1 || !lines[texts.size()].isEmpty()) {
            throw new AssertionError(folder + ": " + texts.size() + " strings but " + lines.length + " lines of ids");
        }
        List<Case> cases = new ArrayList<>();
        for (int i = 0; i < texts.size(); i++) {
            String line = lines[i].strip();
            int[] ids = line.isEmpty() ? new int[0] : Arrays.stream(line.split(" +")).mapToInt(Integer::parseInt).toArray();
            cases.add(new Case(texts.get(i), ids));
        }
        return cases;
    }

    /** stories260K: [{"text": ..., "ids": [BOS, ...]}, ...]. */
    static List<Case> stories260K() {
        Path file = Samples.path("reference/stories260K/tokenizer_cases.json");
        List<Case> cases = new ArrayList<>();
        for (Object item : (List<?>) Json.parse(read(file), file.toString())) {
            Map<?, ?> map = (Map<?, ?>) item;
            int[] ids = ((List<?>) map.get("ids")).stream().mapToInt(o -> ((Long) o).intValue()).toArray();
            cases.add(new Case((String) map.get("text"), ids));
        }
        return cases;
    }

    static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
