package io.sergeant.benchmarks.prefilled;

import io.sergeant.api.ErrorCode;
import io.sergeant.api.SergeantException;
import io.sergeant.spi.PluginContext;
import io.sergeant.spi.PluginOptions;
import io.sergeant.spi.SergeantPlugin;
import io.sergeant.spi.backend.Backend;
import io.sergeant.spi.backend.BackendFactory;
import io.sergeant.spi.backend.BackendSpec;

import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * The {@code prefilled} backend of the benchmarks (URI {@code prefilled:<anything>}): a process-local queue
 * store, so that a benchmark measures the worker's own dispatch path and not a server. It exists only
 * in the benchmarks jar and is never installed with Sergeant.
 *
 * <p>Options: {@value #PAYLOAD} (hex bytes of one encoded task) and {@value #TASKS} (how many copies
 * of it the queue named by {@value #QUEUE} holds when the backend is created). Both or neither must
 * be given. Stateless and thread safe.
 */
@SergeantPlugin(name = PrefilledBackendFactory.NAME, schemes = PrefilledBackendFactory.NAME)
public final class PrefilledBackendFactory implements BackendFactory {

    /** The plugin name and URI scheme: {@value}. */
    public static final String NAME = "prefilled";
    /** Option: the hex bytes of the encoded task the queue is filled with. */
    public static final String PAYLOAD = "payload";
    /** Option: how many copies of {@link #PAYLOAD} the queue starts with. */
    public static final String TASKS = "tasks";
    /** Option: the queue to fill. */
    public static final String QUEUE = "queue";

    /** The ServiceLoader constructor. */
    public PrefilledBackendFactory() {
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Set<String> schemes() {
        return Set.of(NAME);
    }

    /**
     * Creates an empty or pre-filled store.
     *
     * @throws SergeantException {@code INVALID_CONFIGURATION} for an unknown option, a bad hex payload
     *         or only one of payload and tasks
     */
    @Override
    public Backend create(BackendSpec spec, PluginContext context) {
        Objects.requireNonNull(spec, "spec is null");
        Objects.requireNonNull(context, "context is null");
        PluginOptions options = new PluginOptions("backend 'prefilled'", spec.options()).requireOnly(List.of(PAYLOAD, TASKS, QUEUE));
        PrefilledBackend backend = new PrefilledBackend(context.clock());
        String hex = options.string(PAYLOAD, "");
        int tasks = options.integer(TASKS, 0);
        if (hex.isEmpty() != (tasks == 0)) {
            throw new SergeantException(ErrorCode.INVALID_CONFIGURATION, "backend 'prefilled' needs both options '"
                    + PAYLOAD + "' and '" + TASKS + "' or neither; got " + PAYLOAD + " of " + hex.length()
                    + " hex digits and " + TASKS + "=" + tasks);
        }
        if (tasks > 0) {
            byte[] payload;
            try {
                payload = HexFormat.of().parseHex(hex);
            } catch (IllegalArgumentException e) {
                throw new SergeantException(ErrorCode.INVALID_CONFIGURATION, "option '" + PAYLOAD
                        + "' of backend 'prefilled' is not hex: " + e.getMessage());
            }
            backend.fill(options.string(QUEUE, "bench"), payload, tasks);
        }
        return backend;
    }
}
