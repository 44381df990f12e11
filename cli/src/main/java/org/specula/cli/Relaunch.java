package org.specula.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code java -jar specula.jar}: a manifest cannot add the {@code jdk.incubator.vector} module, so a JVM started that
 * way would run the scalar kernels. Such a JVM starts the jar once more in a child JVM — the same java executable,
 * the flags {@code bin/specula} passes (the resources {@code jvm.flags} and {@code jvm-warmup.flags}), this JVM's own
 * options, the same arguments — with the standard streams inherited and the child's exit status returned; ending this
 * JVM (a signal) ends the child. {@code SPECULA_NO_RELAUNCH=1}, a start that fails, or a child that still lacks the
 * module (it sees SPECULA_NO_RELAUNCH=1) leaves the scalar fallback and its message.
 */
final class Relaunch {
    static final String NO_RELAUNCH = "SPECULA_NO_RELAUNCH";

    private Relaunch() {
    }

    /**
     * Runs the command in a child JVM when this one lacks the Vector API and was started from a jar; returns its exit
     * status, or -1 when this JVM should run the command itself.
     */
    static int ifNeeded(String[] args, PrintStream err) {
        if (ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent()
                || "1".equals(System.getenv(NO_RELAUNCH))) {
            return -1;
        }
        Path jar = jar();
        if (jar == null) {
            return -1;
        }
        Process child;
        try {
            child = builder(jar, args).start();
        } catch (IOException | RuntimeException e) {
            err.println("specula: could not restart the JVM with the Vector API (" + e.getMessage() + "); running "
                    + "here");
            return -1;
        }
        Thread stop = new Thread(() -> {
            if (child.isAlive()) {
                child.destroy();
                try {
                    child.waitFor();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }, "specula-relaunch-stop");
        Runtime.getRuntime().addShutdownHook(stop);
        while (true) {
            try {
                return child.waitFor();
            } catch (InterruptedException e) {
                // keep waiting: the child's status is this JVM's
            }
        }
    }

    /** The child JVM: java, our flags, this JVM's options, -jar, the arguments; streams inherited. */
    private static ProcessBuilder builder(Path jar, String[] args) {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(flags("jvm.flags"));
        if (!"0".equals(System.getenv("SPECULA_WARMUP"))) {
            command.addAll(flags("jvm-warmup.flags"));
        }
        command.addAll(ownOptions());
        command.add("-jar");
        command.add(jar.toString());
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command).inheritIO();
        builder.environment().put(NO_RELAUNCH, "1");
        return builder;
    }

    /**
     * The options this JVM was started with on its command line (-Xmx, -D..., everything before {@code -jar}), to
     * come after ours so that the user's win; JDK_JAVA_OPTIONS the child reads again from the environment it
     * inherits. Read from the process's own command line rather than java.management, which would cost the start
     * tens of milliseconds; none when the command line is unknown or has no -jar.
     */
    private static List<String> ownOptions() {
        String[] all = ProcessHandle.current().info().arguments().orElse(new String[0]);
        for (int i = 0; i < all.length; i++) {
            if (all[i].equals("-jar")) {
                return List.of(all).subList(0, i);
            }
        }
        return List.of();
    }

    /** The jar this class was loaded from, or null when it was not loaded from a jar file (tests, an IDE). */
    private static Path jar() {
        try {
            var source = Relaunch.class.getProtectionDomain().getCodeSource();
            if (source == null) {
                return null;
            }
            Path p = Path.of(source.getLocation().toURI());
            return Files.isRegularFile(p) && p.getFileName().toString().endsWith(".jar") ? p : null;
        } catch (URISyntaxException | RuntimeException e) {
            return null;
        }
    }

    /** The flags of resource {@code name}: its lines without comments and blanks. */
    static List<String> flags(String name) {
        List<String> flags = new ArrayList<>();
        try (InputStream in = Relaunch.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("resource " + name + " is missing from the jar");
            }
            BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
            for (String line = r.readLine(); line != null; line = r.readLine()) {
                if (!line.isBlank() && !line.startsWith("#")) {
                    flags.add(line.strip());
                }
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot read resource " + name, e);
        }
        return flags;
    }
}
