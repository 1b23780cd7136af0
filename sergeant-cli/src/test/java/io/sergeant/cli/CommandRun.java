package io.sergeant.cli;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.Map;

/** One run of the sergeant command line in this JVM: its exit code and what it printed. */
record CommandRun(int exitCode, String out, String err) {

    static CommandRun of(String... args) {
        return withEnvironment(Map.of(), args);
    }

    /** A run that sees {@code environment} as its environment (for the SERGEANT_* configuration variables). */
    static CommandRun withEnvironment(Map<String, String> environment, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = SergeantCommand.execute(args, new PrintWriter(out, true), new PrintWriter(err, true), environment);
        return new CommandRun(code, out.toString(), err.toString());
    }

    @Override
    public String toString() {
        return "exit " + exitCode + "\n--- out:\n" + out + "--- err:\n" + err;
    }
}
