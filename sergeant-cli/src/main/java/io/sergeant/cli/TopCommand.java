package io.sergeant.cli;

import io.sergeant.api.Broker;
import io.sergeant.cli.console.ProgressBar;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code sergeant top}: a terminal view of a backend refreshed every {@code --interval} (1 s): every
 * queue with its ready, delayed, in-flight and dead-lettered tasks and its rates, and the live workers
 * with the tasks they are running (see {@link TopScreen}). On a terminal each refresh redraws the
 * screen; otherwise (a pipe, a log) frames are printed one after the other. {@code --once} or
 * {@code --iterations N} end it; else Ctrl-C does. Never creates a SQLite database.
 */
@Command(name = "top", mixinStandardHelpOptions = true,
        description = {"Shows queues (counts and rates) and workers (with their running tasks), refreshed every second.",
                "Ctrl-C ends it; --once prints one frame."})
final class TopCommand implements Callable<Integer> {

    private static final String CLEAR_SCREEN = "\u001B[H\u001B[2J";

    @Spec
    CommandSpec spec;

    @Mixin
    ConfigOptions configOptions;

    @Option(names = "--interval", paramLabel = "DURATION", converter = Converters.DurationConverter.class,
            description = "Time between refreshes (default: 1s).")
    Duration interval = Duration.ofSeconds(1);

    @Option(names = "--iterations", paramLabel = "N", description = "Stop after N frames (default: until Ctrl-C).")
    Integer iterations;

    @Option(names = "--once", description = "Print one frame and exit (the same as --iterations 1).")
    boolean once;

    @Option(names = "--width", paramLabel = "COLUMNS",
            description = "The terminal width to fit (default: $COLUMNS, else 80).")
    Integer width;

    @Override
    public Integer call() throws InterruptedException {
        int frames = once ? 1 : iterations == null ? Integer.MAX_VALUE : iterations;
        if (frames < 1) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--iterations must be at least 1, got " + frames);
        }
        if (interval.isZero() || interval.isNegative()) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--interval must be positive, got " + interval);
        }
        int columns = width != null ? Math.max(TopScreen.MIN_WIDTH, width) : ProgressBar.columns(System.getenv("COLUMNS"));
        boolean terminal = System.console() != null;
        PrintWriter out = spec.commandLine().getOut();
        try (Broker broker = configOptions.openExistingBroker("top", Map.of())) {
            TopScreen.Sample previous = null;
            for (int frame = 0; frame < frames; frame++) {
                if (frame > 0) {
                    Thread.sleep(interval.toMillis());
                }
                TopScreen.Sample current = TopScreen.Sample.of(broker, Instant.now());
                if (terminal) {
                    out.print(CLEAR_SCREEN);
                } else if (frame > 0) {
                    out.println();
                }
                TopScreen.render(previous, current, columns).forEach(out::println);
                out.flush();
                previous = current;
            }
        }
        return 0;
    }
}
