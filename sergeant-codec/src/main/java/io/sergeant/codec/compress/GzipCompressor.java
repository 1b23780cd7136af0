package io.sergeant.codec.compress;

import io.sergeant.api.config.DecodeLimits;
import io.sergeant.codec.support.ByteSink;
import io.sergeant.codec.support.DecodeBudget;
import io.sergeant.spi.codec.Compressor;

import java.time.Clock;
import java.util.Objects;
import java.util.zip.CRC32;
import java.util.zip.Deflater;
import java.util.zip.GZIPInputStream;

/**
 * The {@code gzip} compressor: one gzip member (RFC 1952) laid out as Python's {@code gzip.compress}
 * writes it: level 9 by default, the header's mtime from the clock, XFL 2 at level 9 (4 at level 1),
 * OS 255, no file name. Decompression accepts any valid gzip (several members too), bounded
 * ({@link BoundedDecompression}). Thread safe; the native deflater is reused per thread.
 */
public final class GzipCompressor implements Compressor {

    private static final String FORMAT = "gzip";

    private final DecodeLimits limits;
    private final int level;
    private final Clock clock;
    private final ThreadLocal<Deflater> deflaters;
    private final ThreadLocal<ByteSink> sinks = ThreadLocal.withInitial(ByteSink::new);

    /** A compressor at {@code level} (0 to 9) whose header carries the time of {@code clock}. */
    public GzipCompressor(DecodeLimits limits, int level, Clock clock) {
        this.limits = Objects.requireNonNull(limits, "limits is null");
        this.clock = Objects.requireNonNull(clock, "clock is null");
        this.level = level;
        this.deflaters = ThreadLocal.withInitial(() -> new Deflater(level, true));
    }

    @Override
    public byte[] compress(byte[] data) {
        Objects.requireNonNull(data, "data is null");
        ByteSink out = sinks.get().reset();
        out.write(0x1f);
        out.write(0x8b);
        out.write(8);
        out.write(0);
        out.writeIntLE((int) clock.instant().getEpochSecond());
        out.write(level == 9 ? 2 : level == 1 ? 4 : 0);
        out.write(255);
        DeflateSupport.deflate(deflaters.get(), data, out);
        CRC32 crc = new CRC32();
        crc.update(data, 0, data.length);
        out.writeIntLE((int) crc.getValue());
        out.writeIntLE(data.length);
        return out.toByteArray();
    }

    @Override
    public byte[] decompress(byte[] data) {
        return decompress(data, DecodeBudget.deadlineFromNow(limits));
    }

    @Override
    public byte[] decompress(byte[] data, long deadlineNanos) {
        return BoundedDecompression.decompress(FORMAT, data, limits, deadlineNanos, in -> new GZIPInputStream(in, 8192));
    }

    @Override
    public String toString() {
        return "GzipCompressor[level=" + level + "]";
    }
}
