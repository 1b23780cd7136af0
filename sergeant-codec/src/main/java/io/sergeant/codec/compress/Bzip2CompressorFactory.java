package io.sergeant.codec.compress;

import io.sergeant.spi.SergeantPlugin;
import io.sergeant.codec.support.PrefixedOptions;
import io.sergeant.spi.PluginContext;
import io.sergeant.spi.PluginOptions;
import io.sergeant.spi.codec.Compressor;
import io.sergeant.spi.codec.CompressorFactory;

import java.util.Set;

/**
 * Creates the {@code bzip2} compressor. Option {@code bzip2.level}: 1 to 9 (block size in 100k), default 9 (Python's {@code bz2.compress}).
 * Unknown {@code bzip2.*} keys are rejected; other keys are ignored. Stateless and thread safe.
 */
@SergeantPlugin(name = "bzip2")
public final class Bzip2CompressorFactory implements CompressorFactory {

    /** The ServiceLoader constructor. */
    public Bzip2CompressorFactory() {
    }

    @Override
    public String name() {
        return "bzip2";
    }

    @Override
    public Compressor create(PluginOptions options, PluginContext context) {
        PluginOptions own = PrefixedOptions.select(options, "compressor", name(), Set.of("bzip2.level"));
        return new Bzip2Compressor(context.limits(), Levels.read(own, "bzip2.level", 9, 1, 9));
    }
}
