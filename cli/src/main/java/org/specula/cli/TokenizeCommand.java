package org.specula.cli;

import org.apache.commons.cli.Options;
import org.specula.loader.tokenizer.Tokenizer;

import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;

/** {@code specula tokenize}: text to ids with a model's tokenizer or a tokenizer.json file. */
final class TokenizeCommand extends Main.Command {

    TokenizeCommand() {
        super("encode text to token ids");
    }

    @Override
    void declare(Options o) {
        CommonOptions.addModel(o, "the model whose tokenizer.json to use");
        o.addOption(Args.value(null, "tokenizer", "FILE", "a tokenizer.json file"));
        o.addOption(Args.value(null, "text", "TEXT", "text to encode (required)"));
        o.addOption(Args.flag(null, "no-special", "do not add BOS/EOS"));
        o.addOption(Args.flag(null, "parse-special", "treat special-token strings in the text as special tokens"));
        o.addOption(Args.flag(null, "json", "print {\"ids\": [...]}"));
    }

    @Override
    int run(Args a, InputStream in, PrintStream out, PrintStream err) throws Exception {
        if (a.has("model") && a.has("tokenizer")) {
            throw new UsageException("give one of --model DIR or --tokenizer FILE, not both");
        }
        Path source = a.has("tokenizer") ? a.path("tokenizer") : a.modelOrDefault(err).dir();
        if (!Files.exists(source)) {
            throw new UsageException("--tokenizer " + source + ": file not found");
        }
        Tokenizer tokenizer = Tokenizer.load(source);
        int[] ids = tokenizer.encode(a.required("text"), !a.has("no-special"), a.has("parse-special"));
        // a BOS written in the text and the one the tokenizer adds: kept as asked (transformers does the same), but
        // said, since a model never saw two
        java.util.OptionalInt bos = tokenizer.bosId();
        if (a.has("parse-special") && !a.has("no-special") && bos.isPresent() && ids.length >= 2
                && ids[0] == bos.getAsInt() && ids[1] == bos.getAsInt()) {
            err.println("specula tokenize: warning: the text starts with the BOS token " + tokenizer.token(ids[0])
                    + " and BOS is added too, so the ids start with two; add --no-special or remove it from the text");
        }
        if (a.has("json")) {
            out.println(new JsonOut().put("ids", ids));
        } else {
            StringBuilder sb = new StringBuilder();
            for (int id : ids) {
                sb.append(sb.isEmpty() ? "" : " ").append(id);
            }
            out.println(sb);
        }
        return 0;
    }
}
