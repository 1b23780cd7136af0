package io.sergeant.api;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The producer's and administrator's view of a backend: push tasks, count, purge, inspect dead
 * letters, use locks and keys. A broker encodes tasks with its configured serializer and compressor
 * and validates every value at push time.
 *
 * <p>Implementations are thread safe; one broker per process is the intended use. Every method
 * blocks until the backend answered and throws {@link SergeantException} when it fails
 * ({@link ErrorCode#UNSUPPORTED_VALUE} for a value the serializer cannot write,
 * {@link ErrorCode#BACKEND_UNAVAILABLE} when the backend cannot be reached).
 */
public interface Broker extends AutoCloseable {

    /**
     * Pushes one task; returns after the backend acknowledged the write.
     *
     * @param consumableFrom when the task becomes deliverable, or {@code null} for now; a time in
     *                       the future makes it a delayed task (which has no priority)
     * @return {@code true}: the backend acknowledged the write (Python Sergeant's {@code push_task}
     *         returns its connector's boolean; here a write that fails throws instead of returning
     *         {@code false})
     */
    boolean pushTask(String queue, Task task, Priority priority, Instant consumableFrom);

    /**
     * Pushes tasks in one round trip, keeping their order among themselves; see {@link #pushTask}.
     *
     * @return {@code true} once the backend acknowledged the write, also for an empty list (as Python)
     */
    boolean pushTasks(String queue, List<Task> tasks, Priority priority, Instant consumableFrom);

    /** Pushes a new task with these kwargs, NORMAL priority, deliverable now; see {@link #pushTask}. */
    default boolean pushTask(String queue, Map<String, Object> kwargs) {
        return pushTask(queue, Task.of(kwargs), Priority.NORMAL, null);
    }

    /**
     * Removes up to {@code max} deliverable tasks and returns them decoded; the caller owns them
     * (at-most-once, whatever the worker's delivery mode). A payload that cannot be decoded is moved
     * to the dead letters with the reason and skipped.
     */
    List<Task> popTasks(String queue, int max);

    /** Tasks deliverable now; with {@code includeDelayed} also delayed tasks not yet due. */
    long numberOfEnqueuedTasks(String queue, boolean includeDelayed);

    /** Sizes of the queue: ready, delayed, in flight and dead letters. */
    QueueStats stats(String queue);

    /** Deletes every ready and delayed task of the queue; true if anything was deleted. */
    boolean purgeTasks(String queue);

    /** Up to {@code limit} dead letters of the queue, oldest first. */
    List<DeadLetter> deadLetters(String queue, int limit);

    /**
     * Up to {@code limit} dead letters of the queue, oldest first, with payload sizes instead of
     * payloads: what a listing prints, without loading the payloads where the backend can avoid it.
     * The default reads them through {@link #deadLetters}.
     *
     * @since 0.2
     */
    default List<DeadLetterInfo> deadLetterInfos(String queue, int limit) {
        return deadLetters(queue, limit).stream().map(DeadLetterInfo::of).toList();
    }

    /**
     * The dead letters of the queue with these ids (as {@link #deadLetterInfos} gave them), payloads
     * included, in the order of {@code ids}; ids no longer there are left out. Only these payloads are
     * fetched where the backend can read dead letters by id (every built-in one can). The default picks
     * them from {@link #deadLetters}.
     *
     * @since 0.2
     */
    default List<DeadLetter> deadLettersById(String queue, List<String> ids) {
        java.util.Objects.requireNonNull(ids, "ids is null");
        java.util.Map<String, DeadLetter> all = new java.util.HashMap<>();
        deadLetters(queue, Integer.MAX_VALUE).forEach(letter -> all.put(letter.id(), letter));
        return ids.stream().map(all::get).filter(java.util.Objects::nonNull).toList();
    }

    /** Moves every dead letter of the queue back to the queue; returns how many. */
    long requeueDeadLetters(String queue);

    /** Deletes every dead letter of the queue; returns how many. */
    long purgeDeadLetters(String queue);

    /**
     * The names of every queue that holds ready, delayed, in-flight or dead-lettered tasks, sorted
     * (the backend's monitoring role). The default, for brokers that cannot list queues, throws.
     *
     * @throws SergeantException {@code BACKEND_ROLE_MISSING} when the backend cannot list queues
     * @since 0.1
     */
    default List<String> queues() {
        throw new SergeantException(ErrorCode.BACKEND_ROLE_MISSING, "listing queues needs the monitoring role, which "
                + getClass().getName() + " does not offer; name the queues instead");
    }

    /**
     * The workers alive now, from the backend's worker registry: every worker whose last heartbeat's TTL
     * has not passed (see {@link WorkerStatus}), sorted by queue, then host and pid. The default, for
     * brokers without a registry, throws.
     *
     * @throws SergeantException {@code BACKEND_ROLE_MISSING} when the backend has no worker registry
     * @since 0.1
     */
    default List<WorkerStatus> workers() {
        throw new SergeantException(ErrorCode.BACKEND_ROLE_MISSING, "listing workers needs the monitoring role, which "
                + getClass().getName() + " does not offer");
    }

    /**
     * Up to {@code limit} tasks waiting in the queue, without taking any: ready ones first in delivery
     * order, then delayed ones by due time (the backend's monitoring role). The default throws.
     *
     * @throws SergeantException {@code BACKEND_ROLE_MISSING} when the backend cannot look into a queue
     * @since 0.2
     */
    default List<QueuedTask> peekTasks(String queue, int limit) {
        throw new SergeantException(ErrorCode.BACKEND_ROLE_MISSING, "listing waiting tasks needs the monitoring role,"
                + " which " + getClass().getName() + " does not offer");
    }

    /**
     * {@link #peekTasks(String, int)} reading only bounded payloads: a task's payload is returned only when
     * it is at most {@code maxPayloadBytes} and keeps the payloads returned so far (in the listing's order)
     * within {@code budgetBytes}; from the first one that would pass the budget on, none. The others come
     * with their size and a null payload, not fetched from the store where the backend can avoid it (every
     * built-in one can). The default reads them all through {@link #peekTasks(String, int)} and drops them.
     *
     * @throws SergeantException {@code BACKEND_ROLE_MISSING} when the backend cannot look into a queue
     * @since 0.2
     */
    default List<QueuedTask> peekTasks(String queue, int limit, long maxPayloadBytes, long budgetBytes) {
        if (maxPayloadBytes < 0 || budgetBytes < 0) {
            throw new IllegalArgumentException("maxPayloadBytes and budgetBytes must not be negative: "
                    + maxPayloadBytes + ", " + budgetBytes);
        }
        List<QueuedTask> out = new java.util.ArrayList<>();
        long used = 0;
        boolean spent = false;
        for (QueuedTask task : peekTasks(queue, limit)) {
            long size = task.payloadBytes();
            boolean shown = size <= maxPayloadBytes && !spent && used + size <= budgetBytes;
            if (size <= maxPayloadBytes && !shown) {
                spent = true;
            }
            if (shown) {
                used += size;
                out.add(task);
            } else {
                out.add(new QueuedTask(null, size, task.priority(), task.dueAt()));
            }
        }
        return out;
    }

    /**
     * Decodes a payload written by this broker's encoder (a waiting task's or a dead letter's), under the
     * configured decode limits. The default throws.
     *
     * @throws SergeantException {@code MALFORMED_PAYLOAD} (or a limit's code) when it does not decode
     * @since 0.2
     */
    default Task decodeTask(byte[] payload) {
        throw new SergeantException(ErrorCode.BACKEND_ROLE_MISSING, getClass().getName() + " cannot decode payloads");
    }

    /**
     * Moves one dead letter back to the queue (NORMAL, run count kept in the payload).
     *
     * @return false if the queue has no dead letter with that id
     * @throws SergeantException {@code BACKEND_ROLE_MISSING} when the backend can only requeue all
     * @since 0.2
     */
    default boolean requeueDeadLetter(String queue, String id) {
        throw new SergeantException(ErrorCode.BACKEND_ROLE_MISSING, getClass().getName()
                + " cannot requeue one dead letter; requeue them all instead");
    }

    /**
     * Deletes one dead letter.
     *
     * @return false if the queue has no dead letter with that id
     * @throws SergeantException {@code BACKEND_ROLE_MISSING} when the backend can only purge all
     * @since 0.2
     */
    default boolean deleteDeadLetter(String queue, String id) {
        throw new SergeantException(ErrorCode.BACKEND_ROLE_MISSING, getClass().getName()
                + " cannot delete one dead letter; purge them all instead");
    }

    /** A lock object with a fresh owner token; nothing is taken until {@link Lock#acquire}. */
    Lock lock(String name);

    /** Stores an encoded value under a key; true if the key did not exist before. */
    boolean setKey(String key, Object value);

    /** The decoded value of a key, or empty when it does not exist. */
    Optional<Object> getKey(String key);

    /** Deletes a key; true if it existed. */
    boolean deleteKey(String key);

    /** Closes the connections to the backend. Idempotent. */
    @Override
    void close();
}
