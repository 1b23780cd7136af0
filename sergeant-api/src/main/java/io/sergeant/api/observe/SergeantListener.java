package io.sergeant.api.observe;

import io.sergeant.api.Task;

import java.time.Duration;

/**
 * Receives what producers and workers do: pushes, a worker's start and stop, each task's run with its
 * outcome and duration, the backend round trips of the worker loop (pop, ack, lease extension) with
 * their latency, reaped leases, undecodable payloads and dead letters. One implementation turns them
 * into metrics ({@code sergeant-micrometer}), another into traces ({@code sergeant-opentelemetry}).
 *
 * <p><b>Contract.</b> Every method has a default that does nothing, so a listener overrides what it
 * needs and keeps compiling when events are added. Methods are called synchronously on the thread
 * doing the work (the worker loop, an executor thread, the lease keeper, a producer's thread), often
 * concurrently: implementations must be thread safe, fast and non-blocking (hand slow work to a thread
 * of their own), and must not throw; core logs and ignores what a listener throws, so a broken listener
 * never stops a worker. Listeners see events of the process they are installed in: with the
 * {@code process} executor, tasks run in child JVMs, which install no listener; the worker process
 * reports each of their runs when it ended, through {@link #taskRanElsewhere}.
 *
 * <p><b>Installation.</b> Give listeners to {@code Sergeant.withListeners(...)} when embedding; worker
 * processes started by the {@code sergeant} command create the ones named in the system property
 * {@code sergeant.listeners} through {@link SergeantListenerProvider}.
 */
public interface SergeantListener {

    /** A worker is about to run its loop (after {@code initialize}). */
    default void workerStarted(WorkerInfo worker) {
    }

    /** A worker's loop ended (before {@code finalizeWorker}); no event of this worker follows. */
    default void workerStopped(WorkerInfo worker) {
    }

    /**
     * A push of {@code taskCount} tasks to {@code queue} begins, from a producer or from a task's
     * {@code pushTask}, {@code retry} or {@code requeue}; see {@link PushObservation} for what follows.
     */
    default PushObservation pushStarted(String queue, int taskCount) {
        return PushObservation.NONE;
    }

    /**
     * A task is about to run ({@code preWork} comes next) on the calling thread; the returned
     * observation is ended on the same thread when its outcome handler returned. In a worker that a
     * {@code stop} or a timeout-ignoring task ends early, tasks that never started have no event.
     */
    default TaskObservation taskStarted(String queue, Task task) {
        return TaskObservation.NONE;
    }

    /**
     * A task ran in another process (a child JVM of the {@code process} executor, which has no listeners)
     * and ended there with {@code outcome} after {@code duration}; called in the worker process, on the
     * thread that received the result, once the run ended. A run whose child process died on its own
     * is reported as {@link TaskOutcome#LOST} with a zero duration (at-least-once; at-most-once reports
     * it through {@link #taskStarted} as the failure its {@code onFailure} handles in this process).
     *
     * <p>The default calls {@link #taskStarted} and ends the observation at once with these values, so a
     * listener that counts and times runs counts this one like a run in this process. A listener that
     * keeps thread-bound state or timestamps of its own (a tracing span) overrides it.
     *
     * @param error the failure or timeout of {@code work} ({@code Type: message}), or null
     */
    default void taskRanElsewhere(String queue, Task task, TaskOutcome outcome, Duration duration, String error) {
        taskStarted(queue, task).ended(outcome, duration, error);
    }

    /**
     * The worker loop popped: it asked for {@code requested} tasks and got {@code received} (0 when the
     * queue was empty) after {@code latency}. The latency is the round trip of an ordinary pop; of a pop written
     * before the batch in hand ran (a one-thread at-most-once worker's pipelined pop) it is the reading of its reply;
     * of tasks an idle at-most-once wait took itself (a Redis {@code BLPOP} on the queue) it is their hand-over to the
     * loop, about zero, since that wait's own time is idle time, not a round trip (docs/observability.md).
     */
    default void popped(String queue, int requested, int received, Duration latency) {
    }

    /**
     * Of the tasks just popped, {@code count} had been delivered before (at-least-once: a lease expired
     * or was handed back and the task came again); called after {@link #popped} when {@code count > 0}.
     */
    default void redelivered(String queue, int count) {
    }

    /** A pop failed after {@code latency}; the loop logs it and polls again. */
    default void popFailed(String queue, Duration latency, RuntimeException error) {
    }

    /**
     * Settled tasks were acknowledged in one call (at-least-once): {@code count} receipts, of which
     * {@code refused} were refused because their lease had expired; {@code error} is null unless the
     * call failed (the acks are then retried).
     */
    default void acked(String queue, int count, int refused, Duration latency, RuntimeException error) {
    }

    /**
     * The leases of running tasks were extended in one call (at-least-once): {@code count} receipts,
     * {@code lost} of them refused because the lease had already expired; {@code error} is null unless
     * the call failed.
     */
    default void extended(String queue, int count, int lost, Duration latency, RuntimeException error) {
    }

    /**
     * Expired leases of the queue were reaped: {@code redelivered} tasks made deliverable again and
     * {@code deadLettered} moved to the dead letters for passing {@code maxDeliveries}. Called after
     * every reap, also when both are 0.
     */
    default void reaped(String queue, long redelivered, long deadLettered) {
    }

    /** A popped payload could not be decoded; it goes to the dead letters ({@link #deadLettered} follows). */
    default void decodeFailed(String queue, String reason) {
    }

    /** The worker moved one task to the queue's dead letters (reaping reports its own in {@link #reaped}). */
    default void deadLettered(String queue, String reason) {
    }
}
