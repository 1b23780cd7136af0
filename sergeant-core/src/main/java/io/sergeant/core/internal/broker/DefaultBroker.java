package io.sergeant.core.internal.broker;

import io.sergeant.api.Broker;
import io.sergeant.api.DeadLetter;
import io.sergeant.api.Lock;
import io.sergeant.api.Priority;
import io.sergeant.api.QueueStats;
import io.sergeant.api.SergeantException;
import io.sergeant.api.Task;
import io.sergeant.api.WorkerStatus;
import io.sergeant.core.internal.encoding.TaskEncoder;
import io.sergeant.core.internal.observe.ListenerChain;
import io.sergeant.api.observe.PushObservation;
import io.sergeant.spi.backend.Backend;
import io.sergeant.spi.backend.Delivery;
import io.sergeant.spi.backend.DeliveryOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The {@link Broker} over one backend and one encoder. Thread safe. Closing it closes the backend.
 */
public final class DefaultBroker implements Broker {

    private static final Logger log = LoggerFactory.getLogger(DefaultBroker.class);

    private final Backend backend;
    private final TaskEncoder encoder;
    private final ListenerChain listeners;

    /** A broker owning {@code backend}, without listeners. */
    public DefaultBroker(Backend backend, TaskEncoder encoder) {
        this(backend, encoder, ListenerChain.EMPTY);
    }

    /** A broker owning {@code backend} that reports its pushes to {@code listeners}. */
    public DefaultBroker(Backend backend, TaskEncoder encoder, ListenerChain listeners) {
        this.backend = Objects.requireNonNull(backend, "backend is null");
        this.encoder = Objects.requireNonNull(encoder, "encoder is null");
        this.listeners = Objects.requireNonNull(listeners, "listeners is null");
    }

    /** The listeners this broker reports to, for the runtime. */
    public ListenerChain listeners() {
        return listeners;
    }

    /** The backend, for the runtime. */
    public Backend backend() {
        return backend;
    }

    /** The encoder, for the runtime. */
    public TaskEncoder encoder() {
        return encoder;
    }

    @Override
    public boolean pushTask(String queue, Task task, Priority priority, Instant consumableFrom) {
        Objects.requireNonNull(task, "task is null");
        push(queue, List.of(task), priority, consumableFrom);
        // Backend.push returns only once the write was acknowledged, and throws otherwise.
        return true;
    }

    @Override
    public boolean pushTasks(String queue, List<Task> tasks, Priority priority, Instant consumableFrom) {
        if (tasks.isEmpty()) {
            return true;
        }
        push(queue, tasks, priority, consumableFrom);
        return true;
    }

    private void push(String queue, List<Task> tasks, Priority priority, Instant consumableFrom) {
        PushObservation observation = listeners.pushStarted(queue, tasks.size());
        try {
            List<byte[]> items = new ArrayList<>(tasks.size());
            for (Task task : tasks) {
                items.add(encoder.encode(observation.decorate(task)));
            }
            backend.push(queue, items, priority, consumableFrom);
        } catch (RuntimeException e) {
            observation.failed(e);
            throw e;
        }
        observation.pushed();
    }

    @Override
    public List<Task> popTasks(String queue, int max) {
        List<Delivery> deliveries = backend.pop(queue, max, DeliveryOptions.AT_MOST_ONCE);
        List<Task> tasks = new ArrayList<>(deliveries.size());
        for (Delivery delivery : deliveries) {
            try {
                tasks.add(encoder.decode(delivery.payload()));
            } catch (SergeantException e) {
                deadLetterUndecodable(queue, delivery, e);
            }
        }
        return tasks;
    }

    /** Keeps an undecodable task as a dead letter where the backend has them; otherwise it is lost, loudly. */
    private void deadLetterUndecodable(String queue, Delivery delivery, SergeantException cause) {
        if (backend.deadLetterRole().isEmpty()) {
            log.error("dropping an undecodable task of queue {}: backend {} has no dead-letter role: {}",
                    queue, backend, cause.getMessage());
            return;
        }
        log.error("moving an undecodable task of queue {} to the dead letters: {}", queue, cause.getMessage());
        backend.deadLetterRole().get().deadLetter(queue, delivery, "undecodable: " + cause.getMessage());
    }

    @Override
    public long numberOfEnqueuedTasks(String queue, boolean includeDelayed) {
        return backend.length(queue, includeDelayed);
    }

    @Override
    public QueueStats stats(String queue) {
        return backend.stats(queue);
    }

    @Override
    public boolean purgeTasks(String queue) {
        return backend.purge(queue);
    }

    @Override
    public List<DeadLetter> deadLetters(String queue, int limit) {
        return BackendRoles.deadLetters(backend, "listing dead letters").deadLetters(queue, limit);
    }

    @Override
    public List<io.sergeant.api.DeadLetterInfo> deadLetterInfos(String queue, int limit) {
        return BackendRoles.deadLetters(backend, "listing dead letters").deadLetterInfos(queue, limit);
    }

    @Override
    public List<DeadLetter> deadLettersById(String queue, List<String> ids) {
        return BackendRoles.deadLetters(backend, "reading dead letters").deadLettersById(queue, ids);
    }

    @Override
    public long requeueDeadLetters(String queue) {
        return BackendRoles.deadLetters(backend, "requeueing dead letters").requeueDeadLetters(queue);
    }

    @Override
    public long purgeDeadLetters(String queue) {
        return BackendRoles.deadLetters(backend, "purging dead letters").purgeDeadLetters(queue);
    }

    @Override
    public List<io.sergeant.api.QueuedTask> peekTasks(String queue, int limit) {
        if (limit < 0) {
            throw new IllegalArgumentException("limit must not be negative: " + limit);
        }
        return BackendRoles.monitoring(backend, "listing waiting tasks").peek(queue, limit).stream()
                .map(item -> new io.sergeant.api.QueuedTask(item.payload(), item.priority(), item.dueAt())).toList();
    }

    @Override
    public List<io.sergeant.api.QueuedTask> peekTasks(String queue, int limit, long maxPayloadBytes, long budgetBytes) {
        if (limit < 0) {
            throw new IllegalArgumentException("limit must not be negative: " + limit);
        }
        return BackendRoles.monitoring(backend, "listing waiting tasks")
                .peek(queue, limit, maxPayloadBytes, budgetBytes).stream()
                .map(item -> new io.sergeant.api.QueuedTask(item.payload(), item.payloadBytes(), item.priority(),
                        item.dueAt())).toList();
    }

    @Override
    public Task decodeTask(byte[] payload) {
        return encoder.decode(payload);
    }

    @Override
    public boolean requeueDeadLetter(String queue, String id) {
        return BackendRoles.deadLetters(backend, "requeueing a dead letter").requeueDeadLetter(queue, id);
    }

    @Override
    public boolean deleteDeadLetter(String queue, String id) {
        return BackendRoles.deadLetters(backend, "deleting a dead letter").deleteDeadLetter(queue, id);
    }

    @Override
    public List<String> queues() {
        return BackendRoles.monitoring(backend, "listing queues").queues();
    }

    /** Decodes every record of the registry; one that is not a worker record is logged and skipped. */
    @Override
    public List<WorkerStatus> workers() {
        List<WorkerStatus> workers = new ArrayList<>();
        for (byte[] record : BackendRoles.monitoring(backend, "listing workers").workers()) {
            try {
                workers.add(WorkerStatus.decode(record));
            } catch (SergeantException e) {
                log.warn("skipping a record of the worker registry: {}", e.getMessage());
            }
        }
        workers.sort(Comparator.comparing(WorkerStatus::queue).thenComparing(WorkerStatus::host)
                .thenComparingLong(WorkerStatus::pid).thenComparing(WorkerStatus::id));
        return workers;
    }

    @Override
    public Lock lock(String name) {
        return new BackendLock(BackendRoles.locks(backend, "Broker.lock"), name);
    }

    @Override
    public boolean setKey(String key, Object value) {
        return BackendRoles.keys(backend, "Broker.setKey").keySet(key, encoder.encodeValue(value));
    }

    @Override
    public Optional<Object> getKey(String key) {
        return BackendRoles.keys(backend, "Broker.getKey").keyGet(key).map(encoder::decodeValue);
    }

    @Override
    public boolean deleteKey(String key) {
        return BackendRoles.keys(backend, "Broker.deleteKey").keyDelete(key);
    }

    @Override
    public void close() {
        backend.close();
    }
}
