package io.sergeant.codec.compress;

import io.sergeant.api.config.DecodeLimits;
import io.sergeant.codec.support.DecodeBudget;
import io.sergeant.codec.support.Errors;
import io.sergeant.spi.codec.Compressor;
import org.apache.commons.compress.compressors.bzip2.BZip2CompressorInputStream;
import org.apache.commons.compress.compressors.bzip2.BZip2CompressorOutputStream;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Objects;

/**
 * The {@code bzip2} compressor: a bzip2 stream as Python's {@code bz2.compress} writes (block size 900k,
 * level 9, by default), through commons-compress. Decompression accepts concatenated streams, as Python,
 * and is bounded ({@link BoundedDecompression}); its memory is bounded by the 900k block size. Thread safe.
 */
public final class Bzip2Compressor implements Compressor {

    private static final String FORMAT = "bzip2";

    private final DecodeLimits limits;
    private final int level;

    /** A compressor with block size {@code level} × 100k (1 to 9). */
    public Bzip2Compressor(DecodeLimits limits, int level) {
        this.limits = Objects.requireNonNull(limits, "limits is null");
        this.level = level;
    }

    @Override
    public byte[] compress(byte[] data) {
        Objects.requireNonNull(data, "data is null");
        ByteArrayOutputStream out = new ByteArrayOutputStream(Math.max(64, data.length / 2));
        try (BZip2CompressorOutputStream bzip = new BZip2CompressorOutputStream(out, level)) {
            bzip.write(data);
        } catch (IOException e) {
            throw new io.sergeant.api.SergeantException(io.sergeant.api.ErrorCode.INTERNAL_ERROR,
                    "bzip2 compression failed in memory: " + e, e);
        }
        return out.toByteArray();
    }

    @Override
    public byte[] decompress(byte[] data) {
        return decompress(data, DecodeBudget.deadlineFromNow(limits));
    }

    @Override
    public byte[] decompress(byte[] data, long deadlineNanos) {
        BoundedDecompression.checkInput(FORMAT, data, limits);
        if (data.length < 4 || data[0] != 'B' || data[1] != 'Z' || data[2] != 'h') {
            throw Errors.malformed(FORMAT, "the payload does not start with the bzip2 magic 'BZh'");
        }
        return BoundedDecompression.decompress(FORMAT, data, limits, deadlineNanos, in -> new BZip2CompressorInputStream(in, true));
    }

    @Override
    public String toString() {
        return "Bzip2Compressor[level=" + level + "]";
    }
}
