package io.sergeant.core.config;

import io.sergeant.api.ErrorCode;
import io.sergeant.api.SergeantException;
import io.sergeant.api.config.DecodeLimits;
import io.sergeant.api.config.DeliveryConfig;
import io.sergeant.api.config.DeliveryMode;
import io.sergeant.api.config.EncoderConfig;
import io.sergeant.api.config.ExecutorConfig;
import io.sergeant.api.config.LoggingConfig;
import io.sergeant.api.config.LoggingEvents;
import io.sergeant.api.config.Starvation;
import io.sergeant.api.config.Timeouts;
import io.sergeant.api.config.WorkerConfig;
import io.sergeant.spi.PluginOptions;
import io.sergeant.spi.backend.BackendSpec;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * Reads overrides of a {@link WorkerConfig} from flat string properties (a properties file, command
 * line {@code -Dkey=value}, environment). Every key is listed in {@link #KEYS}; prefixed keys
 * ({@code backend.option.*}, {@code executor.option.*}, {@code encoder.option.*}) pass plugin options
 * through. Unknown keys and bad values are reported all at once, with secrets masked. Stateless.
 */
public final class WorkerConfigProperties {

    /** Every accepted key with its meaning and default, for documentation and error messages. */
    public static final Map<String, String> KEYS = keys();

    private WorkerConfigProperties() {
    }

    /**
     * Applies {@code properties} on top of {@code base}.
     *
     * @throws SergeantException {@code INVALID_CONFIGURATION} listing every unknown key and bad value
     */
    public static WorkerConfig apply(WorkerConfig base, Map<String, String> properties) {
        Reading reading = read(base, properties);
        if (!reading.problems().isEmpty()) {
            throw new SergeantException(ErrorCode.INVALID_CONFIGURATION, "invalid configuration properties ("
                    + reading.problems().size() + " problem" + (reading.problems().size() == 1 ? "" : "s") + "):\n  - "
                    + String.join("\n  - ", reading.problems()));
        }
        return reading.config();
    }

    /**
     * What {@link #read} makes of properties: the configuration with every usable value applied (a key
     * whose value is bad keeps {@code base}'s), and the problems, one message per key.
     *
     * @param config   the configuration, for further checks (plugin names) in the same round as the problems
     * @param problems every unknown key and bad value, secrets masked; empty when all were applied
     */
    public record Reading(WorkerConfig config, List<String> problems) {

        /** Checks the parts and copies the list. */
        public Reading {
            Objects.requireNonNull(config, "config is null");
            problems = List.copyOf(problems);
        }
    }

    /**
     * Applies {@code properties} on top of {@code base} as far as they can be, never throwing for a bad
     * key or value: a caller that checks more (the plugins a configuration names) reports it all in one round.
     */
    public static Reading read(WorkerConfig base, Map<String, String> properties) {
        WorkerConfig.Builder builder = base.toBuilder();
        List<String> problems = new ArrayList<>();
        Map<String, String> backendOptions = new HashMap<>(base.backendOptions());
        Map<String, String> executorOptions = new HashMap<>(base.executor().options());
        Map<String, String> encoderOptions = new HashMap<>(base.encoder().options());
        String[] executorKind = {base.executor().kind()};
        int[] concurrency = {base.executor().concurrency()};
        String[] killer = {base.executor().killer()};
        boolean[] killerGiven = {false};
        String[] serializer = {base.encoder().serializer()};
        String[] compressor = {base.encoder().compressor()};
        Duration[] timeout = {base.timeouts().timeout()};
        Duration[] grace = {base.timeouts().gracePeriod()};
        DeliveryConfig[] delivery = {base.delivery()};
        long[] limits = {base.limits().maxEncodedBytes(), base.limits().maxDecompressedBytes(),
                base.limits().maxDepth(), base.limits().maxCollectionLength(), base.limits().maxObjects(),
                base.limits().maxRetainedBytes()};
        Duration[] decodeDeadline = {base.limits().decodeDeadline()};
        boolean[] summary = {base.logging().summary()};
        LoggingEvents[] events = {base.logging().events()};
        for (Map.Entry<String, String> entry : new TreeMap<>(properties).entrySet()) {
            String key = entry.getKey();
            String value = entry.getValue().trim();
            if (key.startsWith("backend.option.")) {
                backendOptions.put(key.substring("backend.option.".length()), value);
                continue;
            }
            if (key.startsWith("executor.option.")) {
                executorOptions.put(key.substring("executor.option.".length()), value);
                continue;
            }
            if (key.startsWith("encoder.option.")) {
                encoderOptions.put(key.substring("encoder.option.".length()), value);
                continue;
            }
            String shown = key.equals("backend") ? BackendSpec.maskSecrets(value) : value;
            try {
                switch (key) {
                    case "name" -> builder.name(value);
                    case "backend" -> builder.backend(value);
                    case "maxTasksPerRun" -> builder.maxTasksPerRun(wholeNumber(value));
                    case "maxRetries" -> builder.maxRetries(wholeNumber(value));
                    case "tasksPerTransaction" -> builder.tasksPerTransaction(wholeNumber(value));
                    case "executor.kind" -> executorKind[0] = value;
                    case "executor.concurrency" -> concurrency[0] = wholeNumber(value);
                    case "executor.killer" -> {
                        killer[0] = value;
                        killerGiven[0] = true;
                    }
                    case "encoder.serializer" -> serializer[0] = value;
                    case "encoder.compressor" -> compressor[0] = value;
                    case "timeouts.timeout" -> timeout[0] = duration(value);
                    case "timeouts.gracePeriod" -> grace[0] = duration(value);
                    case "starvation.timeWithNoTasks" -> {
                        int polls = wholeNumber(value);
                        builder.starvation(polls == 0 ? null : new Starvation(polls));
                    }
                    case "delivery.mode" -> delivery[0] = delivery[0].withMode(DeliveryMode.parse(value));
                    case "delivery.lease" -> delivery[0] = delivery[0].withLease(duration(value));
                    case "delivery.maxDeliveries" -> delivery[0] = delivery[0].withMaxDeliveries(wholeNumber(value));
                    case "delivery.reapInterval" -> delivery[0] = delivery[0].withReapInterval(duration(value));
                    case "delivery.prefetch" -> delivery[0] = delivery[0].withPrefetch(parseBoolean(value));
                    case "limits.maxEncodedBytes" -> limits[0] = size(value);
                    case "limits.maxDecompressedBytes" -> limits[1] = size(value);
                    case "limits.maxDepth" -> limits[2] = wholeNumber(value);
                    case "limits.maxCollectionLength" -> limits[3] = wholeNumber(value);
                    case "limits.maxObjects" -> limits[4] = wholeNumber(value);
                    case "limits.maxRetainedBytes" -> limits[5] = size(value);
                    case "limits.decodeDeadline" -> decodeDeadline[0] = duration(value);
                    case "logging.summary" -> summary[0] = parseBoolean(value);
                    case "logging.events" -> events[0] = loggingEvents(value);
                    case "pollInterval" -> builder.pollInterval(duration(value));
                    default -> problems.add(key + ": unknown key" + suggestion(key) + "; known keys: "
                            + String.join(", ", new TreeSet<>(KEYS.keySet()))
                            + " and backend.option.*, executor.option.*, encoder.option.*");
                }
            } catch (RuntimeException e) {
                problems.add(key + ": cannot use '" + shown + "': " + e.getMessage());
            }
        }
        apply(problems, () -> builder.executor(new ExecutorConfig(executorKind[0], concurrency[0],
                // A kind given without a killer gets the kind's own killer; a killer given is kept.
                !killerGiven[0] && !executorKind[0].equals(base.executor().kind()) ? null : killer[0],
                executorOptions)));
        apply(problems, () -> builder.encoder(new EncoderConfig(serializer[0], compressor[0], encoderOptions)));
        apply(problems, () -> builder.timeouts(new Timeouts(timeout[0], grace[0])));
        apply(problems, () -> builder.limits(new DecodeLimits(Math.toIntExact(limits[0]), limits[1],
                Math.toIntExact(limits[2]), Math.toIntExact(limits[3]), Math.toIntExact(limits[4]), limits[5],
                decodeDeadline[0])));
        builder.delivery(delivery[0]);
        builder.backendOptions(backendOptions);
        builder.logging(new LoggingConfig(events[0], summary[0]));
        return new Reading(builder.build(), problems);
    }

    /**
     * The properties that describe {@code config} completely, one per {@link #KEYS key} and one per plugin
     * option: {@link #apply}ing them on top of any configuration gives a configuration equal to
     * {@code config} (plugin options the base has and {@code config} lacks excepted). Values may hold
     * secrets (a backend URI with a password): keep them off command lines and logs.
     */
    public static Map<String, String> toProperties(WorkerConfig config) {
        Map<String, String> properties = new TreeMap<>();
        properties.put("name", config.name());
        properties.put("backend", config.backend());
        config.backendOptions().forEach((option, value) -> properties.put("backend.option." + option, value));
        properties.put("maxTasksPerRun", Integer.toString(config.maxTasksPerRun()));
        properties.put("maxRetries", Integer.toString(config.maxRetries()));
        properties.put("tasksPerTransaction", Integer.toString(config.tasksPerTransaction()));
        properties.put("executor.kind", config.executor().kind());
        properties.put("executor.concurrency", Integer.toString(config.executor().concurrency()));
        properties.put("executor.killer", config.executor().killer());
        config.executor().options().forEach((option, value) -> properties.put("executor.option." + option, value));
        properties.put("encoder.serializer", config.encoder().serializer());
        properties.put("encoder.compressor", config.encoder().compressor());
        config.encoder().options().forEach((option, value) -> properties.put("encoder.option." + option, value));
        properties.put("timeouts.timeout", config.timeouts().timeout().toString());
        properties.put("timeouts.gracePeriod", config.timeouts().gracePeriod().toString());
        properties.put("starvation.timeWithNoTasks",
                Integer.toString(config.starvationSetting().map(Starvation::timeWithNoTasks).orElse(0)));
        properties.put("delivery.mode", config.delivery().mode().configName());
        properties.put("delivery.lease", config.delivery().lease().toString());
        properties.put("delivery.maxDeliveries", Integer.toString(config.delivery().maxDeliveries()));
        properties.put("delivery.reapInterval", config.delivery().reapInterval().toString());
        properties.put("delivery.prefetch", Boolean.toString(config.delivery().prefetch()));
        DecodeLimits limits = config.limits();
        properties.put("limits.maxEncodedBytes", Integer.toString(limits.maxEncodedBytes()));
        properties.put("limits.maxDecompressedBytes", Long.toString(limits.maxDecompressedBytes()));
        properties.put("limits.maxDepth", Integer.toString(limits.maxDepth()));
        properties.put("limits.maxCollectionLength", Integer.toString(limits.maxCollectionLength()));
        properties.put("limits.maxObjects", Integer.toString(limits.maxObjects()));
        properties.put("limits.maxRetainedBytes", Long.toString(limits.maxRetainedBytes()));
        properties.put("limits.decodeDeadline", limits.decodeDeadline().toString());
        properties.put("logging.events", loggingEvents(config.logging().events()));
        properties.put("logging.summary", Boolean.toString(config.logging().summary()));
        properties.put("pollInterval", config.pollInterval().toString());
        return properties;
    }

    /** The names {@code logging.events} accepts, in {@link LoggingEvents}' order. */
    public static final List<String> EVENT_NAMES = List.of("onSuccess", "onFailure", "onTimeout", "onRetry",
            "onMaxRetries", "onRequeue", "onStarvation", "onStop");

    /** Parses {@code logging.events}: event names separated by commas, or {@code none}. */
    private static LoggingEvents loggingEvents(String value) {
        if (value.equalsIgnoreCase("none")) {
            return LoggingEvents.NONE;
        }
        Set<String> names = new TreeSet<>();
        for (String part : value.split(",")) {
            String name = part.trim();
            if (!EVENT_NAMES.contains(name)) {
                throw new IllegalArgumentException("expected event names separated by commas (" + String.join(", ", EVENT_NAMES)
                        + ") or none; '" + name + "' is none of them");
            }
            names.add(name);
        }
        return new LoggingEvents(names.contains("onSuccess"), names.contains("onFailure"), names.contains("onTimeout"),
                names.contains("onRetry"), names.contains("onMaxRetries"), names.contains("onRequeue"),
                names.contains("onStarvation"), names.contains("onStop"));
    }

    /** Writes {@code logging.events} as {@link #loggingEvents(String)} reads it. */
    private static String loggingEvents(LoggingEvents events) {
        boolean[] logged = {events.onSuccess(), events.onFailure(), events.onTimeout(), events.onRetry(),
                events.onMaxRetries(), events.onRequeue(), events.onStarvation(), events.onStop()};
        List<String> names = new ArrayList<>();
        for (int i = 0; i < logged.length; i++) {
            if (logged[i]) {
                names.add(EVENT_NAMES.get(i));
            }
        }
        return names.isEmpty() ? "none" : String.join(",", names);
    }

    /** The prefix of worker configuration overrides given as system properties: {@code sergeant.config.}. */
    public static final String SYSTEM_PROPERTY_PREFIX = "sergeant.config.";

    /**
     * The effective configuration of a worker process: {@code declared} with the overrides given as
     * {@code sergeant.config.<key>} in {@code systemProperties} (the supervisor and the command line pass
     * them this way). Called at a process's entry point, so the runtime itself reads no global state.
     *
     * @throws SergeantException {@code INVALID_CONFIGURATION} listing every unknown key and bad value
     */
    public static WorkerConfig effective(WorkerConfig declared, Map<?, ?> systemProperties) {
        return apply(declared, withPrefix(systemProperties, SYSTEM_PROPERTY_PREFIX));
    }

    /** Reads every property whose key starts with {@code prefix} (for example {@code sergeant.}), prefix removed. */
    public static Map<String, String> withPrefix(Map<?, ?> source, String prefix) {
        Map<String, String> result = new TreeMap<>();
        source.forEach((key, value) -> {
            String name = String.valueOf(key);
            if (name.startsWith(prefix)) {
                result.put(name.substring(prefix.length()), String.valueOf(value));
            }
        });
        return result;
    }

    private static void apply(List<String> problems, Runnable step) {
        try {
            step.run();
        } catch (RuntimeException e) {
            problems.add(e.getMessage());
        }
    }

    private static int wholeNumber(String value) {
        return parsed(value, PluginOptions::parseInteger, PluginOptions.EXPECTED_INTEGER);
    }

    private static Duration duration(String value) {
        return parsed(value, PluginOptions::parseDuration, PluginOptions.EXPECTED_DURATION);
    }

    private static long size(String value) {
        return parsed(value, PluginOptions::parseSize, PluginOptions.EXPECTED_SIZE);
    }

    private static boolean parseBoolean(String value) {
        return parsed(value, PluginOptions::parseBoolean, PluginOptions.EXPECTED_BOOLEAN);
    }

    /** Parses with {@link PluginOptions}' parser, so that plugin options and these keys accept the same texts. */
    private static <T> T parsed(String value, Function<String, T> parser, String expected) {
        try {
            return parser.apply(value);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("expected " + expected, e);
        }
    }

    /** {@code " (did you mean 'x'?)"} for a key close to a known one (see {@link PluginOptions#closest}), else empty. */
    private static String suggestion(String key) {
        return PluginOptions.closest(key, KEYS.keySet()).map(known -> " (did you mean '" + known + "'?)").orElse("");
    }

    private static Map<String, String> keys() {
        Map<String, String> keys = new TreeMap<>();
        Consumer<String[]> put = pair -> keys.put(pair[0], pair[1]);
        put.accept(new String[] {"name", "queue name (required)"});
        put.accept(new String[] {"backend", "backend URI; default " + WorkerConfig.DEFAULT_BACKEND});
        put.accept(new String[] {"maxTasksPerRun", "tasks before a normal exit and respawn; default 0 (forever)"});
        put.accept(new String[] {"maxRetries", "retries before onMaxRetries; default 0 (unlimited)"});
        put.accept(new String[] {"tasksPerTransaction", "batch size of a pop; default 1"});
        put.accept(new String[] {"executor.kind", "thread or process; default thread"});
        put.accept(new String[] {"executor.concurrency", "tasks at once; default 1"});
        put.accept(new String[] {"executor.killer", "killer name; default the executor kind"});
        put.accept(new String[] {"encoder.serializer", "msgpack, pickle or java; default msgpack"});
        put.accept(new String[] {"encoder.compressor", "none, zlib, gzip, bzip2 or lzma; default none"});
        put.accept(new String[] {"timeouts.timeout", "task timeout; default 0 (none)"});
        put.accept(new String[] {"timeouts.gracePeriod", "time after the timeout before a forced kill; default 10s"});
        put.accept(new String[] {"starvation.timeWithNoTasks", "empty polls before onStarvation; default 0 (never)"});
        put.accept(new String[] {"delivery.mode", "at-least-once or at-most-once; default at-least-once"});
        put.accept(new String[] {"delivery.lease", "lease time; default 30s"});
        put.accept(new String[] {"delivery.maxDeliveries", "deliveries before a dead letter; default 5"});
        put.accept(new String[] {"delivery.reapInterval", "how often expired leases are reaped; default 2s"});
        put.accept(new String[] {"delivery.prefetch", "at-most-once: pop the next batch before the last one finished; default false"});
        put.accept(new String[] {"limits.maxEncodedBytes", "largest payload; default 16M"});
        put.accept(new String[] {"limits.maxDecompressedBytes", "largest decompressed payload; default 64M"});
        put.accept(new String[] {"limits.maxDepth", "deepest nesting; default 128"});
        put.accept(new String[] {"limits.maxCollectionLength", "longest collection; default 1000000"});
        put.accept(new String[] {"limits.maxObjects", "most decoded values per payload, shared references counted"
                + " per reference; default 2000000"});
        put.accept(new String[] {"limits.maxRetainedBytes", "most bytes the decoded values of one payload hold;"
                + " default 64M"});
        put.accept(new String[] {"limits.decodeDeadline", "longest time to decode one payload; default 1s"});
        put.accept(new String[] {"logging.summary", "log the run summary; default true"});
        put.accept(new String[] {"logging.events", "handler events logged, names separated by commas (onSuccess,"
                + " onFailure, onTimeout, onRetry, onMaxRetries, onRequeue, onStarvation, onStop) or none;"
                + " default all but onSuccess"});
        put.accept(new String[] {"pollInterval", "sleep after an empty poll; default 1s"});
        return Map.copyOf(keys);
    }

    /** The accepted keys. */
    public static Set<String> keyNames() {
        return new TreeSet<>(KEYS.keySet());
    }
}
