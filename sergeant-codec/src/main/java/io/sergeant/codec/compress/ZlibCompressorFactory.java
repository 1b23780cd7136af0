package io.sergeant.codec.compress;

import io.sergeant.spi.SergeantPlugin;
import io.sergeant.codec.support.PrefixedOptions;
import io.sergeant.spi.PluginContext;
import io.sergeant.spi.PluginOptions;
import io.sergeant.spi.codec.Compressor;
import io.sergeant.spi.codec.CompressorFactory;

import java.util.Set;

/**
 * Creates the {@code zlib} compressor. Option {@code zlib.level}: 0 to 9, default 6 (Python's {@code zlib.compress}).
 * Unknown {@code zlib.*} keys are rejected; other keys are ignored. Stateless and thread safe.
 */
@SergeantPlugin(name = "zlib")
public final class ZlibCompressorFactory implements CompressorFactory {

    /** The ServiceLoader constructor. */
    public ZlibCompressorFactory() {
    }

    @Override
    public String name() {
        return "zlib";
    }

    @Override
    public Compressor create(PluginOptions options, PluginContext context) {
        PluginOptions own = PrefixedOptions.select(options, "compressor", name(), Set.of("zlib.level"));
        return new ZlibCompressor(context.limits(), Levels.read(own, "zlib.level", 6, 0, 9));
    }
}
