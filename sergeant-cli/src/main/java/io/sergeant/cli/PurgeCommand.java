package io.sergeant.cli;

import io.sergeant.api.Broker;
import io.sergeant.api.QueueStats;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code sergeant purge}: deletes every ready and delayed task of a queue. Tasks in flight and dead
 * letters are kept (see {@code dead-letters --purge}).
 */
@Command(name = "purge", mixinStandardHelpOptions = true,
        description = {"Deletes every ready and delayed task of a queue.",
                "Tasks in flight and dead letters are kept; use dead-letters --purge for those."})
final class PurgeCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    ConfigOptions configOptions;

    @Parameters(index = "0", paramLabel = "QUEUE", description = "The queue to purge.")
    String queue;

    @Override
    public Integer call() {
        try (Broker broker = configOptions.openExistingBroker(queue, Map.of())) {
            QueueStats before = broker.stats(queue);
            boolean deleted = broker.purgeTasks(queue);
            spec.commandLine().getOut().println(deleted
                    ? "purged queue '" + queue + "' (it held " + Formats.count(before.ready()) + " ready and "
                            + Formats.count(before.delayed()) + " delayed tasks)"
                    : "queue '" + queue + "' was already empty");
            spec.commandLine().getOut().flush();
        }
        return 0;
    }
}
