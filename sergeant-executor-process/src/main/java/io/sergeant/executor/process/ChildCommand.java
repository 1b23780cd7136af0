package io.sergeant.executor.process;

import io.sergeant.toolkit.process.JavaCommand;

import java.util.ArrayList;
import java.util.List;

/**
 * The command line of a child JVM, built by the toolkit's {@link JavaCommand} (the same launcher the
 * supervisor uses): the running JVM's {@code java}, the parent's Sergeant and logging system properties (so
 * {@code sergeant.config.*} overrides apply in the child as in the worker), the configured JVM options,
 * the parent's class path, {@link ChildMain}, the worker class and its arguments. Immutable.
 */
final class ChildCommand {

    private final JavaCommand command;

    private ChildCommand(JavaCommand command) {
        this.command = command;
    }

    /** Builds the command of a child hosting {@code workerClass}. */
    static ChildCommand of(List<String> jvmOptions, String workerClass, List<String> workerArguments) {
        List<String> arguments = new ArrayList<>();
        arguments.add(workerClass);
        arguments.addAll(workerArguments);
        return new ChildCommand(JavaCommand.builder(ChildMain.class.getName())
                .jvmOptions(jvmOptions)
                .arguments(arguments)
                .build());
    }

    /** The command, ready for a {@link ProcessBuilder}. */
    List<String> command() {
        return command.command();
    }

    @Override
    public String toString() {
        return command.toString();
    }
}
