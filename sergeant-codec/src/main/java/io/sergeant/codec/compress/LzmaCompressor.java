package io.sergeant.codec.compress;

import io.sergeant.api.ErrorCode;
import io.sergeant.api.SergeantException;
import io.sergeant.api.config.DecodeLimits;
import io.sergeant.codec.support.DecodeBudget;
import io.sergeant.spi.codec.Compressor;
import org.tukaani.xz.ArrayCache;
import org.tukaani.xz.BasicArrayCache;
import org.tukaani.xz.LZMA2Options;
import org.tukaani.xz.MemoryLimitException;
import org.tukaani.xz.UnsupportedOptionsException;
import org.tukaani.xz.XZ;
import org.tukaani.xz.XZInputStream;
import org.tukaani.xz.XZOutputStream;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Objects;

/**
 * The {@code lzma} compressor: the .xz container (not raw or "alone" LZMA) with an LZMA2 filter and a
 * CRC64 check, as Python's {@code lzma.compress} writes (preset 6 by default), through xz-java.
 * Decompression accepts concatenated .xz streams, is bounded ({@link BoundedDecompression}) and refuses
 * streams whose decoder would need more memory than the configured limit (a hostile header can claim a
 * huge dictionary) with {@code DECOMPRESSED_TOO_LARGE}. Thread safe; large work arrays are pooled.
 */
public final class LzmaCompressor implements Compressor {

    private static final String FORMAT = "lzma";

    private final DecodeLimits limits;
    private final int preset;
    private final int memoryLimitKiB;
    private final LZMA2Options options;
    private final ArrayCache arrays = BasicArrayCache.getInstance();

    /** A compressor at {@code preset} (0 to 9) whose decoder may use up to {@code memoryLimitKiB}. */
    public LzmaCompressor(DecodeLimits limits, int preset, int memoryLimitKiB) {
        this.limits = Objects.requireNonNull(limits, "limits is null");
        this.preset = preset;
        this.memoryLimitKiB = memoryLimitKiB;
        try {
            this.options = new LZMA2Options(preset);
        } catch (UnsupportedOptionsException e) {
            throw new IllegalArgumentException("lzma preset " + preset + " is not 0 to 9", e);
        }
    }

    @Override
    public byte[] compress(byte[] data) {
        Objects.requireNonNull(data, "data is null");
        ByteArrayOutputStream out = new ByteArrayOutputStream(Math.max(128, data.length / 2));
        try (XZOutputStream xz = new XZOutputStream(out, options, XZ.CHECK_CRC64, arrays)) {
            xz.write(data);
        } catch (IOException e) {
            throw new SergeantException(ErrorCode.INTERNAL_ERROR, "xz compression failed in memory: " + e, e);
        }
        return out.toByteArray();
    }

    @Override
    public byte[] decompress(byte[] data) {
        return decompress(data, DecodeBudget.deadlineFromNow(limits));
    }

    @Override
    public byte[] decompress(byte[] data, long deadlineNanos) {
        try {
            return BoundedDecompression.decompress(FORMAT, data, limits, deadlineNanos,
                    in -> new XZInputStream(in, memoryLimitKiB, true, arrays));
        } catch (SergeantException e) {
            if (e.getCause() instanceof MemoryLimitException limit) {
                throw new SergeantException(ErrorCode.DECOMPRESSED_TOO_LARGE, "lzma payload needs "
                        + limit.getMemoryNeeded() + " KiB of memory to decompress, over lzma.memoryLimit="
                        + memoryLimitKiB + " KiB; raise the option if such payloads are expected", e.getCause());
            }
            throw e;
        }
    }

    @Override
    public String toString() {
        return "LzmaCompressor[preset=" + preset + ", memoryLimitKiB=" + memoryLimitKiB + "]";
    }
}
