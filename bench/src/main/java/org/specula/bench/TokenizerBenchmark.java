package org.specula.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.specula.loader.tokenizer.Tokenizer;
import org.specula.testdata.Samples;

/**
 * Tokenizer speed on one core: {@code encode} of English prose (the shared docs, repeated to about 256 kB; MB/s =
 * text MB printed at setup / (ms per op) · 1000) and {@code load} of the tokenizer.json (128k-vocab Llama 3,
 * 50k GPT-2, 32k Llama 2). Run: {@code java -jar bench/target/benchmarks.jar TokenizerBenchmark}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xmx1g"})
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class TokenizerBenchmark {
    @Param({"llama2", "gpt2", "llama3"})
    public String tokenizer;

    private Path folder;
    private Tokenizer loaded;
    private String text;

    @Setup
    public void setUp() {
        folder = Samples.path("tokenizers/" + tokenizer);
        loaded = Tokenizer.load(folder);
        StringBuilder docs = new StringBuilder();
        for (String file : List.of("docs/ARCHITECTURE.md", "docs/SPECULATIVE.md", "docs/STYLE.md", "README.md")) {
            try {
                docs.append(Files.readString(Samples.path(file))).append('\n');
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        text = docs.toString().repeat(Math.max(1, 256_000 / docs.length()));
        String back = loaded.decode(loaded.encode(text, false));
        if (!back.equals(text)) {
            throw new AssertionError(tokenizer + ": decode(encode(text)) differs from the text");
        }
        System.out.printf("%n%s: text %.3f MB (MB/s = %.1f / ms per op)%n", tokenizer,
                text.getBytes(StandardCharsets.UTF_8).length / 1e6, text.getBytes(StandardCharsets.UTF_8).length / 1e3);
    }

    @Benchmark
    public int encode() {
        return loaded.encode(text, false).length;
    }

    @Benchmark
    public Tokenizer load() {
        return Tokenizer.load(folder);
    }
}
