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

/** {@code sergeant stats}: a table of ready, delayed, in-flight and dead-lettered tasks per queue. */
@Command(name = "stats", mixinStandardHelpOptions = true,
        description = "Shows ready, delayed, in-flight and dead-lettered tasks of queues.")
final class StatsCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    ConfigOptions configOptions;

    @Parameters(arity = "1..*", paramLabel = "QUEUE", description = "The queues to show.")
    List<String> queues = new ArrayList<>();

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        int width = Math.max("QUEUE".length(), queues.stream().mapToInt(String::length).max().orElse(0));
        String format = "%-" + width + "s  %12s  %12s  %12s  %12s%n";
        try (Broker broker = configOptions.openBroker(queues.get(0), Map.of())) {
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
