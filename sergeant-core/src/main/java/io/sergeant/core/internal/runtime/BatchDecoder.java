package io.sergeant.core.internal.runtime;

import io.sergeant.api.ErrorCode;
import io.sergeant.api.SergeantException;
import io.sergeant.api.Task;
import io.sergeant.spi.backend.Delivery;
import io.sergeant.spi.execution.TaskCodec;

import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.stream.IntStream;

/**
 * Decodes a popped batch into one {@link DecodeResult} per delivery, in order. Large batches are decoded
 * in parallel, since decoding is most of the loop thread's work and would otherwise bound the drain rate
 * to one core. A codec plugin's bug (any runtime exception, or no task) is a rejection, never a failure of
 * the batch. Thread safe if the codec is.
 */
public final class BatchDecoder {

    /** Batches of at least this many payloads are decoded in parallel. */
    static final int PARALLEL_DECODE_THRESHOLD = 256;

    private final TaskCodec codec;

    /** A decoder over {@code codec}. */
    public BatchDecoder(TaskCodec codec) {
        this.codec = Objects.requireNonNull(codec, "codec is null");
    }

    /** One result per delivery, in the deliveries' order. */
    public List<DecodeResult> decode(List<Delivery> deliveries) {
        DecodeResult[] results = new DecodeResult[deliveries.size()];
        IntStream indexes = IntStream.range(0, results.length);
        if (results.length >= PARALLEL_DECODE_THRESHOLD) {
            indexes = indexes.parallel();
        }
        indexes.forEach(index -> results[index] = decode(deliveries.get(index).payload()));
        return Arrays.asList(results);
    }

    /** The task in {@code payload}, or why it cannot be decoded. */
    public DecodeResult decode(byte[] payload) {
        try {
            Task task = codec.decode(payload);
            return task != null ? new DecodeResult.Decoded(task)
                    : new DecodeResult.Rejected(new SergeantException(ErrorCode.INTERNAL_ERROR, "the decoder returned no task"));
        } catch (SergeantException e) {
            return new DecodeResult.Rejected(e);
        } catch (RuntimeException e) {
            // A codec plugin's bug must not take the batch down: the payload is kept as a dead letter.
            return new DecodeResult.Rejected(new SergeantException(ErrorCode.INTERNAL_ERROR, "the decoder failed: " + e, e));
        }
    }
}
