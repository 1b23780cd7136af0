package io.sergeant.spring.boot;

import io.sergeant.api.Broker;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * What the {@code sergeant} health indicator reports, independent of the Boot line: UP when the
 * backend answers and no worker bean has failed; DOWN otherwise. Details: each worker's state and the
 * tasks waiting in its queue, or the backend's error. Thread safe.
 */
public final class SergeantHealth {

    private final SergeantWorkers workers;
    private final Broker broker;

    /** Health of these workers and this broker's backend. */
    public SergeantHealth(SergeantWorkers workers, Broker broker) {
        this.workers = Objects.requireNonNull(workers, "workers is null");
        this.broker = Objects.requireNonNull(broker, "broker is null");
    }

    /** One check. */
    public Report check() {
        Map<String, Object> details = new LinkedHashMap<>();
        boolean up = true;
        Map<String, SergeantWorkers.State> states = workers.states();
        for (Map.Entry<String, SergeantWorkers.State> entry : states.entrySet()) {
            Map<String, Object> worker = new LinkedHashMap<>();
            worker.put("state", entry.getValue().name().toLowerCase(java.util.Locale.ROOT));
            if (entry.getValue() == SergeantWorkers.State.FAILED) {
                up = false;
            }
            details.put(entry.getKey(), worker);
        }
        try {
            for (String queue : states.keySet()) {
                @SuppressWarnings("unchecked")
                Map<String, Object> worker = (Map<String, Object>) details.get(queue);
                worker.put("pending", broker.numberOfEnqueuedTasks(queue, true));
            }
            if (states.isEmpty()) {
                broker.numberOfEnqueuedTasks(SergeantAutoConfiguration.BROKER_CONFIG_NAME, false);
            }
        } catch (RuntimeException e) {
            up = false;
            details.put("backend", "unreachable: " + e.getMessage());
        }
        return new Report(up, details);
    }

    /**
     * One health report.
     *
     * @param up      whether everything is healthy
     * @param details per worker queue: state and pending tasks; {@code backend} with an error when it failed
     */
    public record Report(boolean up, Map<String, Object> details) {
    }
}
