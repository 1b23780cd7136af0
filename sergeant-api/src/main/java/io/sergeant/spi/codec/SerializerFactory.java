package io.sergeant.spi.codec;

import io.sergeant.spi.PluginContext;
import io.sergeant.spi.PluginOptions;

/**
 * Creates a {@link Serializer}; listed in {@code META-INF/services/io.sergeant.spi.codec.SerializerFactory}.
 * Only the factory whose name the configuration gives is asked to create one. Stateless, thread safe,
 * public no-argument constructor.
 */
public interface SerializerFactory {

    /** The serializer's name ({@code msgpack}, {@code pickle}, {@code java}). */
    String name();

    /**
     * Creates a serializer. Options are the encoder options; a serializer takes the keys prefixed with
     * its name and its factory rejects unknown ones of that prefix.
     *
     * @throws io.sergeant.api.SergeantException {@code INVALID_CONFIGURATION} for a bad or missing option
     */
    Serializer create(PluginOptions options, PluginContext context);
}
