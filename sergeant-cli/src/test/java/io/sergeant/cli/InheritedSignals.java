package io.sergeant.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Child processes that must react to Ctrl-C (SIGINT) even when the build itself ignores it.
 *
 * <p>A process inherits ignored signals: a build started in the background of a non-interactive shell
 * ({@code mvn verify &}, {@code nohup}) runs with SIGINT ignored, its surefire fork too, and so does every
 * JVM the tests start, whose HotSpot then leaves SIGINT ignored and never runs the shutdown that Ctrl-C
 * should start (seen in a clean-clone verify started with {@code nohup ... &}: the worker never answered
 * {@code kill -INT}). When this JVM ignores SIGINT, the command is started through coreutils'
 * {@code env --default-signal=INT}, which resets the disposition and then executes the command in the same
 * process (same pid).
 */
final class InheritedSignals {

    private InheritedSignals() {
    }

    /** {@code command}, prefixed so that it starts with SIGINT at its default disposition. */
    static List<String> withDefaultSigint(List<String> command) throws IOException {
        if (!sigintIgnoredHere()) {
            return command;
        }
        List<String> prefixed = new ArrayList<>(List.of("env", "--default-signal=INT"));
        prefixed.addAll(command);
        return prefixed;
    }

    private static boolean sigintIgnoredHere() throws IOException {
        Path status = Path.of("/proc/self/status");
        if (!Files.exists(status)) {
            return false;
        }
        for (String line : Files.readAllLines(status)) {
            if (line.startsWith("SigIgn:")) {
                long mask = Long.parseUnsignedLong(line.substring("SigIgn:".length()).trim(), 16);
                return (mask & (1L << (2 - 1))) != 0; // bit n-1 is signal n; SIGINT is 2
            }
        }
        return false;
    }
}
