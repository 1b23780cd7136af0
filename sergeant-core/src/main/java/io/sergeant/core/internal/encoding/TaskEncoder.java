package io.sergeant.core.internal.encoding;

import io.sergeant.api.ErrorCode;
import io.sergeant.api.SergeantException;
import io.sergeant.api.Task;
import io.sergeant.api.config.DecodeLimits;
import io.sergeant.api.config.EncoderConfig;
import io.sergeant.core.internal.plugin.PluginRegistry;
import io.sergeant.spi.PluginContext;
import io.sergeant.spi.PluginOptions;
import io.sergeant.spi.codec.Compressor;
import io.sergeant.spi.codec.Serializer;
import io.sergeant.spi.execution.TaskCodec;

import java.util.Objects;

/**
 * The encoder pipeline of Python Sergeant: serialize, then compress (no header); decode checks the
 * encoded size, decompresses (bounded) and deserializes (bounded). Thread safe.
 */
public final class TaskEncoder implements TaskCodec {

    private final Serializer serializer;
    private final Compressor compressor;
    private final DecodeLimits limits;
    private final String description;

    /**
     * @param compressor null for no compression
     */
    public TaskEncoder(Serializer serializer, Compressor compressor, DecodeLimits limits, String description) {
        this.serializer = Objects.requireNonNull(serializer, "serializer is null");
        this.compressor = compressor;
        this.limits = Objects.requireNonNull(limits, "limits is null");
        this.description = Objects.requireNonNull(description, "description is null");
    }

    /** Creates the serializer and compressor the configuration names (only those are instantiated). */
    public static TaskEncoder create(EncoderConfig config, PluginRegistry registry, PluginContext context) {
        PluginOptions options = new PluginOptions("encoder", config.options());
        Serializer serializer = registry.serializers().get(config.serializer()).create(options, context);
        Compressor compressor = PluginRegistry.NO_COMPRESSION.equals(config.compressor())
                ? null
                : registry.compressors().get(config.compressor()).create(options, context);
        return new TaskEncoder(serializer, compressor, context.limits(), config.serializer() + "+" + config.compressor());
    }

    @Override
    public byte[] encode(Task task) {
        return compress(serializer.serializeTask(task));
    }

    @Override
    public Task decode(byte[] data) {
        return decode(data, System.nanoTime() + limits.decodeDeadline().toNanos());
    }

    /**
     * Decodes a task; decompression and deserialization share the one deadline, so a payload is refused
     * with {@code DECODE_DEADLINE_EXCEEDED} however its time is spent. The encoded size is checked before
     * anything else reads the payload.
     */
    @Override
    public Task decode(byte[] data, long deadlineNanos) {
        checkEncodedSize(data);
        byte[] raw = compressor == null ? data : compressor.decompress(data, deadlineNanos);
        return serializer.deserializeTask(raw, deadlineNanos);
    }

    /** Encodes a key-value value. */
    public byte[] encodeValue(Object value) {
        return compress(serializer.serializeValue(value));
    }

    /** Decodes a key-value value. */
    public Object decodeValue(byte[] data) {
        return serializer.deserializeValue(decompress(data));
    }

    private byte[] compress(byte[] serialized) {
        byte[] encoded = compressor == null ? serialized : compressor.compress(serialized);
        if (encoded.length > limits.maxEncodedBytes()) {
            throw new SergeantException(ErrorCode.PAYLOAD_TOO_LARGE, "an encoded task has " + encoded.length
                    + " bytes, over limits.maxEncodedBytes=" + limits.maxEncodedBytes()
                    + "; make the task smaller (store big data elsewhere and pass a reference) or raise the limit");
        }
        return encoded;
    }

    private byte[] decompress(byte[] data) {
        checkEncodedSize(data);
        return compressor == null ? data : compressor.decompress(data);
    }

    private void checkEncodedSize(byte[] data) {
        if (data.length > limits.maxEncodedBytes()) {
            throw new SergeantException(ErrorCode.PAYLOAD_TOO_LARGE, "a payload has " + data.length
                    + " bytes, over limits.maxEncodedBytes=" + limits.maxEncodedBytes());
        }
    }

    @Override
    public String toString() {
        return "TaskEncoder[" + description + "]";
    }
}
