package io.sergeant.cli;

import io.sergeant.cli.console.ProgressBar;
import io.sergeant.api.Broker;
import io.sergeant.api.Priority;
import io.sergeant.api.Task;
import io.sergeant.cli.json.JsonParseException;
import io.sergeant.cli.json.JsonParser;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code sergeant push}: pushes {@code --count} tasks with the same JSON kwargs to a queue, in chunks of
 * {@code --chunk} tasks per round trip, with a progress bar on stderr when there is more than one chunk.
 */
@Command(name = "push", mixinStandardHelpOptions = true, description = "Pushes tasks with the given kwargs to a queue.")
final class PushCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    ConfigOptions configOptions;

    @Parameters(index = "0", paramLabel = "QUEUE", description = "The queue to push to.")
    String queue;

    @Option(names = "--kwargs", required = true, paramLabel = "JSON",
            description = "The task's kwargs as a JSON object, for example '{\"url\": \"https://example.com\", \"retries\": 3}'.")
    String kwargs;

    @Option(names = "--count", defaultValue = "1", paramLabel = "N", description = "How many tasks to push (default: ${DEFAULT-VALUE}).")
    long count;

    @Option(names = "--priority", defaultValue = "NORMAL", paramLabel = "PRIORITY",
            description = "HIGH or NORMAL (default: ${DEFAULT-VALUE}); ignored for delayed tasks.")
    Priority priority;

    @Option(names = "--delay", paramLabel = "DURATION", converter = Converters.DurationConverter.class,
            description = "Deliver the tasks after this delay, for example 500ms, 10s, 5m.")
    Duration delay;

    @Option(names = "--serializer", paramLabel = "NAME", description = "msgpack (default), pickle or java.")
    String serializer;

    @Option(names = "--compressor", paramLabel = "NAME", description = "none (default), zlib, gzip, bzip2 or lzma.")
    String compressor;

    @Option(names = "--chunk", defaultValue = "1000", paramLabel = "N",
            description = "Tasks per round trip to the backend (default: ${DEFAULT-VALUE}).")
    int chunk;

    @Override
    public Integer call() {
        if (count < 1) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--count must be at least 1, got " + count);
        }
        if (chunk < 1) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--chunk must be at least 1, got " + chunk);
        }
        Map<String, Object> arguments;
        try {
            arguments = JsonParser.parseObject(kwargs);
        } catch (JsonParseException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--kwargs: " + e.getMessage());
        }
        Map<String, String> encoder = new LinkedHashMap<>();
        if (serializer != null) {
            encoder.put("encoder.serializer", serializer);
        }
        if (compressor != null) {
            encoder.put("encoder.compressor", compressor);
        }
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        try (Broker broker = configOptions.openBroker(queue, encoder)) {
            Instant consumableFrom = delay == null || delay.isZero() ? null : Instant.now().plus(delay);
            ProgressBar progress = count > chunk ? ProgressBar.on(err, "pushed", count) : null;
            long start = System.nanoTime();
            long pushed = 0;
            while (pushed < count) {
                int size = (int) Math.min(chunk, count - pushed);
                List<Task> tasks = new ArrayList<>(size);
                for (int i = 0; i < size; i++) {
                    tasks.add(Task.of(arguments));
                }
                broker.pushTasks(queue, tasks, priority, consumableFrom);
                pushed += size;
                if (progress != null) {
                    progress.update(pushed, "");
                }
            }
            long elapsed = System.nanoTime() - start;
            if (progress != null) {
                progress.finish(pushed, "");
            }
            out.println("pushed " + Formats.count(pushed) + " task" + (pushed == 1 ? "" : "s") + " to queue '" + queue + "' in "
                    + Formats.seconds(elapsed) + " (" + Formats.rate(pushed, elapsed) + " tasks/s)"
                    + (consumableFrom == null ? "" : ", deliverable from " + consumableFrom));
            out.flush();
        }
        return 0;
    }
}
