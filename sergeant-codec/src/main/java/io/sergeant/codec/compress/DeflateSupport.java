package io.sergeant.codec.compress;

import io.sergeant.codec.support.ByteSink;

import java.util.zip.Deflater;

/** Runs a whole byte array through a {@link Deflater} into a sink. Stateless; internal to the package. */
final class DeflateSupport {

    private DeflateSupport() {
    }

    static void deflate(Deflater deflater, byte[] data, ByteSink out) {
        deflater.reset();
        deflater.setInput(data);
        deflater.finish();
        int chunk = Math.max(64, data.length / 2 + 64);
        while (!deflater.finished()) {
            out.ensure(chunk);
            int n = deflater.deflate(out.array(), out.size(), out.array().length - out.size());
            out.advance(n);
        }
    }
}
