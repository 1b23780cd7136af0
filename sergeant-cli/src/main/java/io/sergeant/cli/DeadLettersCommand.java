package io.sergeant.cli;

import io.sergeant.api.Broker;
import io.sergeant.api.DeadLetterInfo;
import io.sergeant.api.config.WorkerConfig;
import io.sergeant.core.Sergeant;
import io.sergeant.spi.execution.TaskCodec;
import picocli.CommandLine;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.io.PrintWriter;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code sergeant dead-letters}: lists a queue's dead letters (id, delivery count, time, payload size,
 * reason, and the task's kwargs decoded with the configured encoder), or moves them all back to the queue
 * ({@code --requeue}), or deletes them all ({@code --purge}).
 *
 * <p>A listing loads no payload it does not print: it lists sizes first (no payload fetched), then reads
 * by id only the payloads whose kwargs it shows, those of at most {@code --kwargs-max-bytes} (a dead
 * letter is often a payload refused for its size); {@code --no-kwargs} reads none.
 */
@Command(name = "dead-letters", mixinStandardHelpOptions = true,
        description = "Lists, requeues or purges the dead letters of a queue.")
final class DeadLettersCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    ConfigOptions configOptions;

    @Parameters(index = "0", paramLabel = "QUEUE", description = "The queue whose dead letters to show.")
    String queue;

    @ArgGroup(exclusive = true)
    Action action;

    @Option(names = "--limit", defaultValue = "20", paramLabel = "N",
            description = "List at most this many, oldest first (default: ${DEFAULT-VALUE}).")
    int limit;

    @Option(names = "--kwargs-width", defaultValue = "200", paramLabel = "CHARS",
            description = "Show at most this many characters of each task's kwargs (default: ${DEFAULT-VALUE}).")
    int kwargsWidth;

    @Option(names = "--kwargs-max-bytes", defaultValue = "1048576", paramLabel = "BYTES",
            description = "Load and decode the payload of a dead letter only up to this size, to show its kwargs;"
                    + " larger ones are listed with their size only (default: ${DEFAULT-VALUE}).")
    long kwargsMaxBytes;

    @Option(names = "--no-kwargs", description = "List without kwargs: no payload is loaded.")
    boolean noKwargs;

    /** What to do instead of listing; at most one. */
    static final class Action {
        @Option(names = "--requeue", required = true, description = "Move every dead letter back to the queue.")
        boolean requeue;

        @Option(names = "--purge", required = true, description = "Delete every dead letter.")
        boolean purge;
    }

    @Override
    public Integer call() {
        if (limit < 1) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--limit must be at least 1, got " + limit);
        }
        if (kwargsMaxBytes < 0) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--kwargs-max-bytes must not be negative, got "
                    + kwargsMaxBytes);
        }
        PrintWriter out = spec.commandLine().getOut();
        try (Broker broker = configOptions.openExistingBroker(queue, Map.of())) {
            if (action != null && action.requeue) {
                long moved = broker.requeueDeadLetters(queue);
                out.println("requeued " + Formats.count(moved) + " dead letter" + (moved == 1 ? "" : "s") + " to queue '" + queue + "'");
            } else if (action != null && action.purge) {
                long deleted = broker.purgeDeadLetters(queue);
                out.println("purged " + Formats.count(deleted) + " dead letter" + (deleted == 1 ? "" : "s") + " of queue '" + queue + "'");
            } else {
                WorkerConfig config = configOptions.config(queue, Map.of());
                List<DeadLetterInfo> letters = broker.deadLetterInfos(queue, limit);
                Map<String, byte[]> payloads = new HashMap<>();
                if (!noKwargs) {
                    List<String> shown = letters.stream().filter(letter -> letter.payloadBytes() <= kwargsMaxBytes)
                            .map(DeadLetterInfo::id).toList();
                    if (!shown.isEmpty()) {
                        broker.deadLettersById(queue, shown).forEach(letter -> payloads.put(letter.id(), letter.payload()));
                    }
                }
                list(out, letters, payloads, broker.stats(queue).deadLetters(), Sergeant.create().codec(config));
            }
            out.flush();
        }
        return 0;
    }

    private void list(PrintWriter out, List<DeadLetterInfo> letters, Map<String, byte[]> payloads, long total,
                      TaskCodec codec) {
        if (letters.isEmpty()) {
            out.println("queue '" + queue + "' has no dead letters");
            return;
        }
        int idWidth = Math.max(2, letters.stream().mapToInt(letter -> letter.id().length()).max().orElse(2));
        String format = "%-" + idWidth + "s  %10s  %-24s  %10s  %s%n";
        out.printf(Locale.ROOT, format, "ID", "DELIVERIES", "DEAD AT", "BYTES", "REASON");
        for (DeadLetterInfo letter : letters) {
            out.printf(Locale.ROOT, format, letter.id(), letter.deliveryCount(), time(letter.deadAt()),
                    Formats.count(letter.payloadBytes()), letter.reason().replaceAll("\\p{Cntrl}", " "));
            if (noKwargs) {
                continue;
            }
            byte[] payload = payloads.get(letter.id());
            if (letter.payloadBytes() > kwargsMaxBytes) {
                out.println("    kwargs: (not loaded: " + Formats.count(letter.payloadBytes()) + " bytes, over --kwargs-max-bytes "
                        + Formats.count(kwargsMaxBytes) + ")");
            } else if (payload == null) {
                out.println("    kwargs: (gone: requeued or deleted while listing)");
            } else {
                out.println("    kwargs: " + kwargs(payload, codec));
            }
        }
        if (total > letters.size()) {
            out.println("(" + Formats.count(letters.size()) + " of " + Formats.count(total) + "; raise --limit to see more)");
        }
    }

    private String kwargs(byte[] payload, TaskCodec codec) {
        try {
            return KwargsText.render(codec.decode(payload).kwargs(), Math.max(10, kwargsWidth));
        } catch (RuntimeException e) {
            return "(cannot decode with the configured encoder: " + KwargsText.render(String.valueOf(e.getMessage()), 200)
                    + "; set encoder.serializer and encoder.compressor as the producer did)";
        }
    }

    private static String time(double epochSeconds) {
        long millis = Math.round(epochSeconds * 1000);
        return Instant.ofEpochMilli(millis).truncatedTo(ChronoUnit.MILLIS).toString();
    }
}
