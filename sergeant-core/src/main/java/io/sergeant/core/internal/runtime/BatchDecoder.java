package io.sergeant.core.internal.runtime;

import io.sergeant.api.ErrorCode;
import io.sergeant.api.SergeantException;
import io.sergeant.api.Task;
import io.sergeant.spi.backend.Delivery;
import io.sergeant.spi.execution.TaskCodec;

import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * Decodes a popped batch (or a chunk of one) into one {@link DecodeResult} per delivery, in order, on the
 * calling thread. (It used to fan large batches out to the common pool; on a small or busy machine the
 * join put a pool thread's wait in the loop's critical path, so the task loop now overlaps decoding with
 * execution by handing the executor one decoded chunk at a time instead: docs/decisions.md, 2026-12-05.)
 * Each payload gets its own decode deadline from when its decoding starts, which a {@link Watch} learns
 * (so that no lease is extended for a payload past it). When no one watches (at-most-once: no leases), the clock
 * is read once per {@link #CLOCK_EVERY} payloads instead of once per payload, and a payload that missed a deadline
 * so taken from an earlier reading is decoded once more with a deadline of its own, so no payload is refused for
 * the time its neighbours took (docs/decisions.md, "One clock reading per reply read and per group of payloads").
 * A codec plugin's bug (any runtime exception, a
 * {@code StackOverflowError}, or no task) is a rejection, never a failure of the batch. Thread safe if
 * the codec is.
 */
public final class BatchDecoder {

    /**
     * Learns when each payload's decoding starts, with its deadline, and when it ends; {@code index} is the
     * payload's index in the list given to {@link #decode(List, Watch)}. Called on the decoding thread.
     */
    public interface Watch {
        /** No one watches. */
        Watch NONE = new Watch() {
            @Override
            public void started(int index, long deadlineNanos) {
            }

            @Override
            public void finished(int index) {
            }
        };

        /** Decoding of the payload at {@code index} starts and must end before {@code deadlineNanos} ({@link System#nanoTime()}). */
        void started(int index, long deadlineNanos);

        /** Decoding of the payload at {@code index} ended, decoded or rejected. */
        void finished(int index);
    }

    /** How many payloads share one clock reading when no one watches. */
    static final int CLOCK_EVERY = 32;

    private final TaskCodec codec;
    private final long deadlineNanos;

    /** A decoder over {@code codec} giving each payload {@code decodeDeadline} to decode. */
    public BatchDecoder(TaskCodec codec, Duration decodeDeadline) {
        this.codec = Objects.requireNonNull(codec, "codec is null");
        this.deadlineNanos = Objects.requireNonNull(decodeDeadline, "decodeDeadline is null").toNanos();
    }

    /** One result per delivery, in the deliveries' order. */
    public List<DecodeResult> decode(List<Delivery> deliveries) {
        return decode(deliveries, Watch.NONE);
    }

    /** One result per delivery, in the deliveries' order; {@code watch} learns each payload's deadline. */
    public List<DecodeResult> decode(List<Delivery> deliveries, Watch watch) {
        if (watch == Watch.NONE) {
            return decodeUnwatched(deliveries);
        }
        DecodeResult[] results = new DecodeResult[deliveries.size()];
        for (int index = 0; index < results.length; index++) {
            Delivery delivery = deliveries.get(index);
            long deadline = System.nanoTime() + deadlineNanos;
            watch.started(index, deadline);
            try {
                results[index] = decode(delivery.payload(), deadline);
            } finally {
                watch.finished(index);
            }
        }
        return Arrays.asList(results);
    }

    /**
     * As {@link #decode(List, Watch)} with no one watching, reading the clock once per {@link #CLOCK_EVERY}
     * payloads: a payload's deadline counts from the group's reading, which is at or before its start, so it can
     * only be early. A payload refused for that deadline when it was not the first of its group is decoded again
     * from a fresh reading, with the whole decode deadline; so each payload gets at least one attempt with all of
     * it, and no payload decodes for more than twice it.
     *
     * <p>The worst case for a batch of {@code n}, with a codec that keeps to its deadlines: every attempt ends by the
     * deadline of the reading it was given, and a reading is taken only at a group's start or for a second attempt,
     * so each reading covers at most one decode deadline of time and the batch takes at most
     * {@code (n + n / CLOCK_EVERY + 1)} deadlines, about the {@code n} of a reading per payload (a batch of hostile
     * payloads each using all of its deadline takes about {@code n} of them either way). {@code BatchDecoderTest}
     * holds this for batches all hostile, hostile behind strict cheap payloads and hostile behind lenient ones.
     */
    private List<DecodeResult> decodeUnwatched(List<Delivery> deliveries) {
        DecodeResult[] results = new DecodeResult[deliveries.size()];
        long read = 0;
        int sinceRead = CLOCK_EVERY;
        for (int index = 0; index < results.length; index++) {
            byte[] payload = deliveries.get(index).payload();
            if (sinceRead == CLOCK_EVERY) {
                read = System.nanoTime();
                sinceRead = 0;
            }
            DecodeResult result = decode(payload, read + deadlineNanos);
            if (sinceRead > 0 && lateOnly(result)) {
                // Its deadline counted from before it started: give it the whole of one, from a fresh reading.
                read = System.nanoTime();
                sinceRead = 0;
                result = decode(payload, read + deadlineNanos);
            }
            sinceRead++;
            results[index] = result;
        }
        return Arrays.asList(results);
    }

    private static boolean lateOnly(DecodeResult result) {
        return result instanceof DecodeResult.Rejected rejected
                && rejected.error().code() == ErrorCode.DECODE_DEADLINE_EXCEEDED;
    }

    /** The task in {@code payload}, or why it cannot be decoded, within the decode deadline from now. */
    public DecodeResult decode(byte[] payload) {
        return decode(payload, System.nanoTime() + deadlineNanos);
    }

    private DecodeResult decode(byte[] payload, long deadline) {
        try {
            Task task = codec.decode(payload, deadline);
            return task != null ? new DecodeResult.Decoded(task)
                    : new DecodeResult.Rejected(new SergeantException(ErrorCode.INTERNAL_ERROR, "the decoder returned no task"));
        } catch (SergeantException e) {
            return new DecodeResult.Rejected(e);
        } catch (RuntimeException e) {
            // A codec plugin's bug must not take the batch down: the payload is kept as a dead letter.
            return new DecodeResult.Rejected(new SergeantException(ErrorCode.INTERNAL_ERROR, "the decoder failed: " + e, e));
        } catch (StackOverflowError e) {
            // The stack has unwound: safe to go on. The built-in decoders never recurse; a plugin may.
            return new DecodeResult.Rejected(new SergeantException(ErrorCode.NESTING_TOO_DEEP,
                    "the decoder overflowed the stack (a self-containing or too deeply nested value)", e));
        }
    }
}
