package io.sergeant.api.config;

import java.util.Map;
import java.util.Objects;

/**
 * How tasks are encoded: serialize, then compress; no header, as Python Sergeant.
 *
 * @param serializer {@code msgpack} (default, portable and safe), {@code pickle} or {@code java}
 * @param compressor {@code none} (default), {@code zlib}, {@code gzip}, {@code bzip2} or {@code lzma}
 * @param options    serializer and compressor options (for example {@code java.allow} for the
 *                   {@code java} serializer's class allow-list); unknown keys are rejected
 */
public record EncoderConfig(String serializer, String compressor, Map<String, String> options) {

    /** msgpack, no compression. */
    public static final EncoderConfig DEFAULT = new EncoderConfig("msgpack", "none", Map.of());

    /** Copies options; a null compressor means {@code none}. */
    public EncoderConfig {
        Objects.requireNonNull(serializer, "serializer is null");
        compressor = compressor == null ? "none" : compressor;
        options = Map.copyOf(Objects.requireNonNull(options, "options is null"));
    }

    /** An encoder with this serializer and compressor and no options. */
    public static EncoderConfig of(String serializer, String compressor) {
        return new EncoderConfig(serializer, compressor, Map.of());
    }
}
