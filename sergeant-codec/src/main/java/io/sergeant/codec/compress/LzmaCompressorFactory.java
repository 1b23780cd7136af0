package io.sergeant.codec.compress;

import io.sergeant.spi.SergeantPlugin;
import io.sergeant.codec.support.PrefixedOptions;
import io.sergeant.spi.PluginContext;
import io.sergeant.spi.PluginOptions;
import io.sergeant.spi.codec.Compressor;
import io.sergeant.spi.codec.CompressorFactory;

import java.util.Set;

/**
 * Creates the {@code lzma} compressor. Options {@code lzma.preset}: 0 to 9, default 6 (Python's {@code lzma.compress}); {@code lzma.memoryLimit}: the most memory one decompression may use, a size such as {@code 32M} (the default, enough for presets up to 7; minimum 1M).
 * Unknown {@code lzma.*} keys are rejected; other keys are ignored. Stateless and thread safe.
 */
@SergeantPlugin(name = "lzma")
public final class LzmaCompressorFactory implements CompressorFactory {

    /** The ServiceLoader constructor. */
    public LzmaCompressorFactory() {
    }

    @Override
    public String name() {
        return "lzma";
    }

    @Override
    public Compressor create(PluginOptions options, PluginContext context) {
        PluginOptions own = PrefixedOptions.select(options, "compressor", name(), Set.of("lzma.preset", "lzma.memoryLimit"));
        int preset = Levels.read(own, "lzma.preset", 6, 0, 9);
        long memoryLimit = own.size("lzma.memoryLimit", 32L << 20);
        if (memoryLimit < (1L << 20) || memoryLimit > (1L << 40)) {
            throw io.sergeant.codec.support.Errors.invalidConfiguration("option 'lzma.memoryLimit' is "
                    + memoryLimit + " bytes; expected 1M to 1T");
        }
        return new LzmaCompressor(context.limits(), preset, (int) Math.min(Integer.MAX_VALUE, memoryLimit >> 10));
    }
}
