package org.specula.cli;

import org.apache.commons.cli.Options;
import org.apache.commons.cli.ParseException;
import org.specula.tensor.SpeculaException;

import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The single entry point: {@code specula COMMAND [options]}. User errors (a {@link UsageException} for the command
 * line, a {@link SpeculaException} for a file or input the libraries refuse) print one line and exit 2; any other
 * exception is a bug, reported as an internal error with exit 1. Nothing prints a stack trace unless SPECULA_DEBUG
 * is set.
 */
public final class Main {
    /** One subcommand: declares its options; {@link Main#run} parses them (or prints the help) and runs it. */
    abstract static class Command {
        private final String summary;

        Command(String summary) {
            this.summary = summary;
        }

        String summary() {
            return summary;
        }

        /** Adds this command's options to {@code o}. */
        abstract void declare(Options o);

        /** Runs with the options parsed; returns the exit code. */
        abstract int run(Args a, InputStream in, PrintStream out, PrintStream err) throws Exception;
    }

    static final Map<String, Command> COMMANDS = new LinkedHashMap<>();

    static {
        COMMANDS.put("generate", new GenerateCommand());
        COMMANDS.put("chat", new ChatCommand());
        COMMANDS.put("tokenize", new TokenizeCommand());
        COMMANDS.put("score", new ScoreCommand());
        COMMANDS.put("inspect", new InspectCommand());
        COMMANDS.put("bench", new BenchCommand());
    }

    private Main() {
    }

    public static void main(String[] args) {
        int relaunched = Relaunch.ifNeeded(args, System.err);
        if (relaunched >= 0) {
            System.exit(relaunched);
        }
        PrintStream out = new PrintStream(new java.io.FileOutputStream(java.io.FileDescriptor.out), true,
                StandardCharsets.UTF_8);
        PrintStream err = new PrintStream(new java.io.FileOutputStream(java.io.FileDescriptor.err), true,
                StandardCharsets.UTF_8);
        int code = run(args, System.in, out, err);
        out.flush();
        err.flush();
        System.exit(code);
    }

    /** Runs a command line with no standard input. */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        return run(args, InputStream.nullInputStream(), out, err);
    }

    /** Runs a command line and returns the exit code (0 ok, 2 user error, 1 internal error). */
    public static int run(String[] args, InputStream in, PrintStream out, PrintStream err) {
        if (args.length == 0 || args[0].equals("-h") || args[0].equals("--help") || args[0].equals("help")) {
            usage(args.length == 0 ? err : out);
            return args.length == 0 ? 2 : 0;
        }
        if (args[0].equals("--version") || args[0].equals("-V")) {
            out.println("specula " + version() + " on Java " + Runtime.version() + " ("
                    + System.getProperty("java.vm.vendor") + ", " + System.getProperty("java.home") + ")");
            return 0;
        }
        Command command = COMMANDS.get(args[0]);
        if (command == null) {
            err.println("specula: error: unknown command '" + args[0] + "'; commands: "
                    + String.join(", ", COMMANDS.keySet()) + " (specula --help)");
            return 2;
        }
        try {
            Options options = new Options();
            command.declare(options);
            Args a = Args.parse(args[0], options, Arrays.copyOfRange(args, 1, args.length), out);
            return a == null ? 0 : command.run(a, in, out, err);
        } catch (UsageException | SpeculaException | ParseException e) { // the user's to fix; anything else is a bug
            err.println("specula " + args[0] + ": error: " + oneLine(e.getMessage()));
            debug(e, err);
            return 2;
        } catch (OutOfMemoryError e) {
            err.println("specula " + args[0] + ": error: out of memory; lower --context or give the JVM more heap "
                    + "(SPECULA_JAVA_OPTS=-Xmx…)");
            return 1;
        } catch (Exception | Error e) {
            err.println("specula " + args[0] + ": internal error: " + oneLine(String.valueOf(e))
                    + " (set SPECULA_DEBUG=1 for the stack trace)");
            debug(e, err);
            return 1;
        }
    }

    /** The project version the build wrote into version.properties ("unknown" when run from unfiltered classes). */
    static String version() {
        try (InputStream in = Main.class.getResourceAsStream("version.properties")) {
            java.util.Properties p = new java.util.Properties();
            if (in != null) {
                p.load(in);
            }
            String v = p.getProperty("version", "unknown");
            return v.startsWith("${") ? "unknown" : v;
        } catch (java.io.IOException e) {
            return "unknown";
        }
    }

    private static String oneLine(String message) {
        return message == null ? "(no message)" : message.replace('\n', ' ').strip();
    }

    private static void debug(Throwable e, PrintStream err) {
        if (System.getenv("SPECULA_DEBUG") != null) {
            e.printStackTrace(err);
        }
    }

    private static void usage(PrintStream s) {
        s.println("usage: specula COMMAND [options]   (specula COMMAND --help for its options; specula --version)");
        for (Map.Entry<String, Command> e : COMMANDS.entrySet()) {
            s.printf("  %-9s %s%n", e.getKey(), e.getValue().summary());
        }
        s.println("example: specula generate -p \"Once upon a time\"   (the built-in model; -m DIR for your own)");
    }
}
