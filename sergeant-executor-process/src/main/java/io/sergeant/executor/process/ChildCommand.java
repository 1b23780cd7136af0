package io.sergeant.executor.process;

import io.sergeant.toolkit.process.JavaCommand;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The command line of a child JVM, built by the toolkit's {@link JavaCommand} (the same launcher the
 * supervisor uses): the running JVM's {@code java}, the parent's Sergeant and logging system properties (so
 * {@code sergeant.config.*} overrides apply in the child as in the worker), the configured JVM options,
 * the system properties core asks for ({@link io.sergeant.spi.execution.ExecutionContext#childSystemProperties()}:
 * the worker's effective configuration, which wins over the inherited properties and the JVM options), the
 * parent's class path, {@link ChildMain}, the worker class and its arguments. Sergeant's properties and
 * core's go to owner-only JVM argument files, never on the command line. Immutable.
 */
final class ChildCommand {

    private final JavaCommand command;

    private ChildCommand(JavaCommand command) {
        this.command = command;
    }

    /** Builds the command of a child hosting {@code workerClass}. */
    static ChildCommand of(List<String> jvmOptions, String workerClass, List<String> workerArguments,
                           Map<String, String> childSystemProperties) {
        List<String> arguments = new ArrayList<>();
        arguments.add(workerClass);
        arguments.addAll(workerArguments);
        JavaCommand.Builder command = JavaCommand.builder(ChildMain.class.getName())
                .jvmOptions(jvmOptions)
                .arguments(arguments);
        childSystemProperties.forEach(command::privateSystemProperty);
        return new ChildCommand(command.build());
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
