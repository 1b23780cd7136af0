package io.sergeant.codec.compress;

import io.sergeant.api.config.DecodeLimits;
import io.sergeant.codec.Contexts;
import io.sergeant.spi.codec.Compressor;
import io.sergeant.testkit.codec.CompressorCompatibilitySuite;

import java.io.IOException;
import java.io.OutputStream;

class LzmaCompressorCompatibilityTest extends CompressorCompatibilitySuite {

    @Override
    protected Compressor createCompressor(DecodeLimits limits) {
        return new LzmaCompressorFactory().create(Contexts.none(), Contexts.utc(limits));
    }

    @Override
    protected OutputStream compressingStream(OutputStream sink) throws IOException {
        return new org.tukaani.xz.XZOutputStream(sink, new org.tukaani.xz.LZMA2Options(0));
    }
}
