package io.sergeant.api;

/**
 * A snapshot of one queue's sizes, summed over every node of the backend.
 *
 * @param ready       tasks deliverable now (immediate tasks plus delayed tasks already due)
 * @param delayed     delayed tasks not yet due
 * @param inFlight    tasks leased to a worker and not yet acknowledged (0 in at-most-once mode)
 * @param deadLetters tasks in the queue's dead-letter store
 */
public record QueueStats(long ready, long delayed, long inFlight, long deadLetters) {
}
