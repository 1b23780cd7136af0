package io.sergeant.codec.compress;

import io.sergeant.spi.SergeantPlugin;
import io.sergeant.codec.support.PrefixedOptions;
import io.sergeant.spi.PluginContext;
import io.sergeant.spi.PluginOptions;
import io.sergeant.spi.codec.Compressor;
import io.sergeant.spi.codec.CompressorFactory;

import java.util.Set;

/**
 * Creates the {@code gzip} compressor. Option {@code gzip.level}: 0 to 9, default 9 (Python's {@code gzip.compress}); the header's mtime comes from the context's clock.
 * Unknown {@code gzip.*} keys are rejected; other keys are ignored. Stateless and thread safe.
 */
@SergeantPlugin(name = "gzip")
public final class GzipCompressorFactory implements CompressorFactory {

    /** The ServiceLoader constructor. */
    public GzipCompressorFactory() {
    }

    @Override
    public String name() {
        return "gzip";
    }

    @Override
    public Compressor create(PluginOptions options, PluginContext context) {
        PluginOptions own = PrefixedOptions.select(options, "compressor", name(), Set.of("gzip.level"));
        return new GzipCompressor(context.limits(), Levels.read(own, "gzip.level", 9, 0, 9), context.clock());
    }
}
