package io.sergeant.cli;

import io.sergeant.api.SergeantException;

import java.util.ArrayList;
import java.util.List;

/**
 * A command whose configuration (options, {@code -D} keys, environment, file, class path, plugins) can be
 * checked without running it, so that a command line's parse errors and configuration problems are
 * reported together, in one round (see {@link SergeantCommand#commandLine}).
 */
interface ConfigurationCheck {

    /** Every problem of this command's configuration, one message each; empty when there is none. Never throws. */
    List<String> configurationProblems();

    /** The items of a {@link SergeantException} that lists several problems ({@code "...:\n  - a\n  - b"}), else its message. */
    static List<String> problemsOf(SergeantException exception) {
        String message = String.valueOf(exception.getMessage());
        int first = message.indexOf("\n  - ");
        if (first < 0) {
            return List.of(message);
        }
        List<String> problems = new ArrayList<>();
        for (String item : message.substring(first + "\n  - ".length()).split("\n  - ")) {
            problems.add(item.strip());
        }
        return problems;
    }

    /**
     * Throws one {@code INVALID_CONFIGURATION} exception listing every problem, or returns when there is none.
     *
     * @throws SergeantException {@code INVALID_CONFIGURATION}
     */
    static void requireNone(List<String> problems) {
        if (problems.isEmpty()) {
            return;
        }
        throw new SergeantException(io.sergeant.api.ErrorCode.INVALID_CONFIGURATION, "invalid configuration ("
                + problems.size() + " problem" + (problems.size() == 1 ? "" : "s") + "):\n  - " + String.join("\n  - ", problems));
    }
}
