package org.specula.cli;

import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.DefaultParser;
import org.apache.commons.cli.HelpFormatter;
import org.apache.commons.cli.Option;
import org.apache.commons.cli.Options;
import org.apache.commons.cli.ParseException;

import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;

/** Parsed options of one command, with typed getters whose errors name the flag and the allowed values. */
final class Args {
    private final CommandLine line;

    private Args(CommandLine line) {
        this.line = line;
    }

    static Option flag(String shortName, String longName, String description) {
        return Option.builder(shortName).longOpt(longName).desc(description).build();
    }

    static Option value(String shortName, String longName, String argName, String description) {
        return Option.builder(shortName).longOpt(longName).hasArg().argName(argName).desc(description).build();
    }

    /** Parses args; returns null after printing help when -h/--help is given. */
    static Args parse(String command, Options options, String[] args, PrintStream out) throws ParseException {
        options.addOption(flag("h", "help", "show this help"));
        CommandLine line = DefaultParser.builder().build().parse(options, args);
        if (line.hasOption("help")) {
            PrintWriter w = new PrintWriter(out, true);
            new HelpFormatter().printHelp(w, 110, "specula " + command + " [options]", null, options, 2, 2, null);
            w.flush();
            return null;
        }
        if (!line.getArgList().isEmpty()) {
            throw new ParseException("unexpected argument '" + line.getArgList().get(0) + "' (options start with -)");
        }
        return new Args(line);
    }

    boolean has(String name) {
        return line.hasOption(name);
    }

    String string(String name, String fallback) {
        return line.getOptionValue(name, fallback);
    }

    String required(String name) {
        String v = line.getOptionValue(name);
        if (v == null) {
            throw new UsageException("missing --" + name);
        }
        return v;
    }

    /**
     * A model given by --name: a folder, or {@code builtin:NAME} for one inside the jar ({@link BuiltinModels}).
     * {@code label} is how output names it: the folder as given, or the builtin: spelling.
     */
    record Model(Path dir, String label, boolean builtin) {
    }

    /** The model --name gives (a folder or builtin:NAME); an error when it is missing or not a folder. */
    Model model(String name) {
        String v = required(name);
        if (BuiltinModels.named(v)) {
            String builtin = v.substring(BuiltinModels.PREFIX.length());
            try {
                return new Model(BuiltinModels.folder(builtin), v, true);
            } catch (UsageException e) {
                throw new UsageException("--" + name + " " + e.getMessage());
            }
        }
        Path p = path(name);
        if (!Files.isDirectory(p)) {
            throw new UsageException("--" + name + " " + p + ": folder not found (give a Hugging Face model folder, "
                    + "or builtin:NAME; specula inspect --builtin lists them)");
        }
        return new Model(p, p.toString(), false);
    }

    /** The path --name gives; an error naming the flag when the file system cannot name it (a NUL, say). */
    Path path(String name) {
        String v = required(name);
        try {
            return Path.of(v);
        } catch (java.nio.file.InvalidPathException e) {
            throw new UsageException("--" + name + " '" + v + "' is not a valid path (" + e.getReason() + ")");
        }
    }

    /**
     * The model -m/--model gives, or without it the built-in default, which one stderr line announces (what it is,
     * and how to run one's own).
     */
    Model modelOrDefault(PrintStream err) {
        if (has("model")) {
            return model("model");
        }
        err.println("specula: no -m given: using the built-in " + BuiltinModels.DEFAULT + " (Karpathy's "
                + "260K-parameter TinyStories Llama, MIT); -m DIR runs your own Hugging Face model");
        return new Model(BuiltinModels.folder(BuiltinModels.DEFAULT), BuiltinModels.PREFIX + BuiltinModels.DEFAULT,
                true);
    }

    int integer(String name, int fallback, int min) {
        return value(name, fallback, Integer::parseInt, v -> v >= min, "an integer >= " + min);
    }

    long longValue(String name, long fallback) {
        return value(name, fallback, Long::parseLong, v -> true, "an integer");
    }

    double number(String name, double fallback, double min, double max) {
        return value(name, fallback, Double::parseDouble, v -> v >= min && v <= max,
                "a number in [" + min + ", " + max + "]");
    }

    /** --name parsed and checked, or fallback when it is absent; the error says what it must be and what it got. */
    private <T> T value(String name, T fallback, java.util.function.Function<String, T> parse,
                        java.util.function.Predicate<T> ok, String must) {
        String v = line.getOptionValue(name);
        if (v == null) {
            return fallback;
        }
        T parsed;
        try {
            parsed = parse.apply(v.strip());
        } catch (NumberFormatException e) {
            throw new UsageException("--" + name + " must be " + must + " (got '" + v + "')");
        }
        if (!ok.test(parsed)) {
            throw new UsageException("--" + name + " must be " + must + " (got " + v.strip() + ")");
        }
        return parsed;
    }

    /** A comma-separated list of non-negative ints given by --name. */
    int[] ids(String name) {
        String v = required(name);
        String[] parts = v.split(",");
        int[] ids = new int[parts.length];
        for (int i = 0; i < parts.length; i++) {
            try {
                ids[i] = Integer.parseInt(parts[i].strip());
            } catch (NumberFormatException e) {
                throw new UsageException("--" + name + " must be comma-separated token ids like 1,403,407 (got '"
                        + parts[i].strip() + "')");
            }
            if (ids[i] < 0) {
                throw new UsageException("--" + name + ": token ids must be >= 0 (got " + ids[i] + ")");
            }
        }
        return ids;
    }
}
