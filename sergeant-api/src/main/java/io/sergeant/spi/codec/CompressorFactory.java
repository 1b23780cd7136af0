package io.sergeant.spi.codec;

import io.sergeant.spi.PluginContext;
import io.sergeant.spi.PluginOptions;

/**
 * Creates a {@link Compressor}; listed in {@code META-INF/services/io.sergeant.spi.codec.CompressorFactory}.
 * Stateless, thread safe, public no-argument constructor. The name {@code none} is reserved by core
 * for "no compression".
 */
public interface CompressorFactory {

    /** The compressor's name ({@code zlib}, {@code gzip}, {@code bzip2}, {@code lzma}). */
    String name();

    /** Creates a compressor; options as for {@link SerializerFactory#create}. */
    Compressor create(PluginOptions options, PluginContext context);
}
