package io.sergeant.cli;

import io.sergeant.api.Broker;
import io.sergeant.api.QueueStats;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code sergeant stats [QUEUE...]}: a table of ready, delayed, in-flight and dead-lettered tasks per
 * queue; without queue names, of every queue the backend holds (its monitoring role lists them).
 */
@Command(name = "stats", mixinStandardHelpOptions = true,
        description = "Shows ready, delayed, in-flight and dead-lettered tasks of queues (of every queue when none is named).")
final class StatsCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    ConfigOptions configOptions;

    @Parameters(arity = "0..*", paramLabel = "QUEUE", description = "The queues to show (default: every queue of the backend).")
    List<String> queues = new ArrayList<>();

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        try (Broker broker = configOptions.openExistingBroker(queues.isEmpty() ? "stats" : queues.get(0), Map.of())) {
            if (queues.isEmpty()) {
                queues = broker.queues();
                if (queues.isEmpty()) {
                    out.println("no queues: the backend holds no tasks and no dead letters");
                    out.flush();
                    return 0;
                }
            }
            int width = Math.max("QUEUE".length(), queues.stream().mapToInt(String::length).max().orElse(0));
            String format = "%-" + width + "s  %12s  %12s  %12s  %12s%n";
            List<QueueStats> stats = new ArrayList<>();
            for (String queue : queues) {
                stats.add(broker.stats(queue));
            }
            out.printf(Locale.ROOT, format, "QUEUE", "READY", "DELAYED", "IN FLIGHT", "DEAD LETTERS");
            for (int i = 0; i < queues.size(); i++) {
                QueueStats queueStats = stats.get(i);
                out.printf(Locale.ROOT, format, queues.get(i), Formats.count(queueStats.ready()),
                        Formats.count(queueStats.delayed()), Formats.count(queueStats.inFlight()),
                        Formats.count(queueStats.deadLetters()));
            }
            out.flush();
        }
        return 0;
    }
}
