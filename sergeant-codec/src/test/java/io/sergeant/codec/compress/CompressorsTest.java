package io.sergeant.codec.compress;

import io.sergeant.testkit.codec.TestDecodeLimits;
import io.sergeant.api.ErrorCode;
import io.sergeant.api.SergeantException;
import io.sergeant.api.config.DecodeLimits;
import io.sergeant.codec.Contexts;
import io.sergeant.spi.codec.Compressor;
import io.sergeant.spi.codec.CompressorFactory;
import io.sergeant.spi.codec.SerializerFactory;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.TreeSet;
import java.util.zip.Deflater;
import java.util.zip.DeflaterOutputStream;
import java.util.zip.GZIPOutputStream;

import static org.assertj.core.api.Assertions.assertThat;

class CompressorsTest {

    private static SergeantException error(Runnable action) {
        try {
            action.run();
        } catch (SergeantException e) {
            return e;
        }
        throw new AssertionError("expected a SergeantException");
    }

    private static byte[] gibOfZeros(OutputStreamFactory factory) throws IOException {
        ByteArrayOutputStream sink = new ByteArrayOutputStream();
        try (OutputStream out = factory.open(sink)) {
            byte[] zeros = new byte[1 << 20];
            for (int i = 0; i < 1024; i++) {
                out.write(zeros);
            }
        }
        return sink.toByteArray();
    }

    @FunctionalInterface
    interface OutputStreamFactory {
        OutputStream open(OutputStream sink) throws IOException;
    }

    @Test
    @DisplayName("1 GiB of zeros as zlib and gzip stops at the default 64 MiB limit")
    void gibBombs() throws IOException {
        byte[] zlib = gibOfZeros(sink -> new DeflaterOutputStream(sink, new Deflater(1), 1 << 16));
        byte[] gzip = gibOfZeros(sink -> new GZIPOutputStream(sink, 1 << 16));
        assertThat(error(() -> new ZlibCompressor(TestDecodeLimits.DEFAULT, 6).decompress(zlib)).code())
                .isEqualTo(ErrorCode.DECOMPRESSED_TOO_LARGE);
        assertThat(error(() -> new GzipCompressor(TestDecodeLimits.DEFAULT, 9, java.time.Clock.systemUTC()).decompress(gzip)).code())
                .isEqualTo(ErrorCode.DECOMPRESSED_TOO_LARGE);
    }

    @Test
    @DisplayName("an xz stream whose decoder needs more memory than lzma.memoryLimit is refused")
    void lzmaMemoryLimit() {
        Compressor big = new LzmaCompressorFactory().create(Contexts.none(), Contexts.utc(TestDecodeLimits.DEFAULT));
        Compressor tight = new LzmaCompressorFactory().create(Contexts.options(Map.of("lzma.memoryLimit", "1M")),
                Contexts.utc(TestDecodeLimits.DEFAULT));
        byte[] compressed = big.compress(new byte[1000]);
        SergeantException e = error(() -> tight.decompress(compressed));
        assertThat(e.code()).isEqualTo(ErrorCode.DECOMPRESSED_TOO_LARGE);
        assertThat(e.getMessage()).contains("lzma.memoryLimit");
    }

    @Test
    @DisplayName("levels are checked and unknown keys of a compressor's own prefix are refused")
    void options() {
        assertThat(error(() -> new ZlibCompressorFactory().create(Contexts.options(Map.of("zlib.level", "12")),
                Contexts.utc(TestDecodeLimits.DEFAULT))).getMessage()).contains("zlib.level");
        SergeantException unknown = error(() -> new GzipCompressorFactory().create(
                Contexts.options(Map.of("gzip.levle", "1", "zlib.level", "3")), Contexts.utc(TestDecodeLimits.DEFAULT)));
        assertThat(unknown.code()).isEqualTo(ErrorCode.INVALID_CONFIGURATION);
        assertThat(unknown.getMessage()).contains("gzip.levle").contains("gzip.level");
        Compressor fast = new Bzip2CompressorFactory().create(Contexts.options(Map.of("bzip2.level", "1", "java.allow", "x")),
                Contexts.utc(TestDecodeLimits.DEFAULT));
        assertThat(fast.decompress(fast.compress(new byte[] {1, 2, 3}))).containsExactly(1, 2, 3);
    }

    @Test
    @DisplayName("ServiceLoader finds every codec plugin under its Python Sergeant name")
    void discovery() {
        TreeSet<String> serializers = new TreeSet<>();
        ServiceLoader.load(SerializerFactory.class).forEach(f -> serializers.add(f.name()));
        TreeSet<String> compressors = new TreeSet<>();
        ServiceLoader.load(CompressorFactory.class).forEach(f -> compressors.add(f.name()));
        assertThat(serializers).containsExactly("java", "msgpack", "pickle");
        assertThat(compressors).containsExactly("bzip2", "gzip", "lzma", "zlib");
    }
}
