package io.sergeant.core.internal.runtime;

import io.sergeant.api.ErrorCode;
import io.sergeant.api.SergeantException;
import io.sergeant.api.Task;
import io.sergeant.spi.backend.Delivery;
import io.sergeant.spi.execution.TaskCodec;

import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ForkJoinPool;
import java.util.stream.IntStream;

/**
 * Decodes a popped batch into one {@link DecodeResult} per delivery, in order. Large batches are decoded
 * in parallel when the machine has cores to spare: at least two common-pool threads besides the loop
 * thread and a load average below the number of cores (read at most once a second). On a small or busy
 * machine the fan-out only adds hand-offs and competes with the executor's threads for the same cores,
 * so the loop thread decodes alone (measured: BENCHMARKS.md, "Parallel decode"). The system property
 * {@value #PARALLEL_PROPERTY} ({@code auto}, {@code always}, {@code never}) overrides the choice. Each payload gets its own decode deadline from when its decoding starts, which a
 * {@link Watch} learns (so that no lease is extended for a payload past it). A codec plugin's bug (any
 * runtime exception, a {@code StackOverflowError}, or no task) is a rejection, never a failure of the
 * batch. Thread safe if the codec is.
 */
public final class BatchDecoder {

    /** Learns when each payload's decoding starts, with its deadline, and when it ends. Thread safe. */
    public interface Watch {
        /** No one watches. */
        Watch NONE = new Watch() {
            @Override
            public void started(Delivery delivery, long deadlineNanos) {
            }

            @Override
            public void finished(Delivery delivery) {
            }
        };

        /** Decoding of {@code delivery} starts and must end before {@code deadlineNanos} ({@link System#nanoTime()}). */
        void started(Delivery delivery, long deadlineNanos);

        /** Decoding of {@code delivery} ended, decoded or rejected. */
        void finished(Delivery delivery);
    }

    /** Batches of at least this many payloads may be decoded in parallel. */
    static final int PARALLEL_DECODE_THRESHOLD = 256;
    /** The system property choosing parallel decoding: {@code auto} (default), {@code always} or {@code never}. */
    public static final String PARALLEL_PROPERTY = "sergeant.decode.parallel";

    private static final String PARALLEL_MODE = System.getProperty(PARALLEL_PROPERTY, "auto").trim().toLowerCase(java.util.Locale.ROOT);
    private static final long LOAD_CHECK_NANOS = 1_000_000_000L;
    private static volatile long loadCheckedAt = System.nanoTime() - 2 * LOAD_CHECK_NANOS;
    private static volatile boolean busy;

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
        DecodeResult[] results = new DecodeResult[deliveries.size()];
        IntStream indexes = IntStream.range(0, results.length);
        if (parallel(results.length)) {
            indexes = indexes.parallel();
        }
        indexes.forEach(index -> {
            Delivery delivery = deliveries.get(index);
            long deadline = System.nanoTime() + deadlineNanos;
            watch.started(delivery, deadline);
            try {
                results[index] = decode(delivery.payload(), deadline);
            } finally {
                watch.finished(delivery);
            }
        });
        return Arrays.asList(results);
    }

    /** Whether a batch of {@code size} payloads is decoded in parallel (see the class comment). */
    static boolean parallel(int size) {
        if (size < PARALLEL_DECODE_THRESHOLD) {
            return false;
        }
        switch (PARALLEL_MODE) {
            case "always" -> {
                return true;
            }
            case "never" -> {
                return false;
            }
            default -> {
                return ForkJoinPool.getCommonPoolParallelism() >= 2 && !busy();
            }
        }
    }

    /** Whether the load average reaches the number of cores (cached for a second; false where unknown). */
    private static boolean busy() {
        long now = System.nanoTime();
        if (now - loadCheckedAt > LOAD_CHECK_NANOS) {
            loadCheckedAt = now;
            double load = ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
            busy = load >= Runtime.getRuntime().availableProcessors();
        }
        return busy;
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
