package io.sergeant.codec.compress;

import io.sergeant.api.SergeantException;
import io.sergeant.api.config.DecodeLimits;
import io.sergeant.codec.support.ByteSink;
import io.sergeant.codec.support.DecodeBudget;
import io.sergeant.codec.support.Errors;
import io.sergeant.spi.codec.Compressor;

import java.util.Arrays;
import java.util.Objects;
import java.util.zip.DataFormatException;
import java.util.zip.Deflater;
import java.util.zip.Inflater;

/**
 * The {@code zlib} compressor: a zlib stream (RFC 1950) as Python's {@code zlib.compress(data)} writes
 * (level 6 by default, 32 KiB window), so the bytes equal Python's for the same zlib build. Decompression
 * is bounded ({@link BoundedDecompression}); bytes after the end of the stream are an error. Thread safe;
 * the native deflater and inflater are reused per thread.
 */
public final class ZlibCompressor implements Compressor {

    private static final String FORMAT = "zlib";

    private final DecodeLimits limits;
    private final int level;
    private final ThreadLocal<Deflater> deflaters;
    private final ThreadLocal<Inflater> inflaters = ThreadLocal.withInitial(Inflater::new);
    private final ThreadLocal<ByteSink> sinks = ThreadLocal.withInitial(ByteSink::new);

    /** A compressor at {@code level} (0 to 9) with the given decode limits. */
    public ZlibCompressor(DecodeLimits limits, int level) {
        this.limits = Objects.requireNonNull(limits, "limits is null");
        this.level = level;
        this.deflaters = ThreadLocal.withInitial(() -> new Deflater(level));
    }

    @Override
    public byte[] compress(byte[] data) {
        Objects.requireNonNull(data, "data is null");
        ByteSink out = sinks.get().reset();
        DeflateSupport.deflate(deflaters.get(), data, out);
        return out.toByteArray();
    }

    @Override
    public byte[] decompress(byte[] data) {
        return decompress(data, DecodeBudget.deadlineFromNow(limits));
    }

    @Override
    public byte[] decompress(byte[] data, long deadlineNanos) {
        BoundedDecompression.checkInput(FORMAT, data, limits);
        int max = BoundedDecompression.maxOutput(limits);
        Inflater inflater = inflaters.get();
        inflater.reset();
        inflater.setInput(data);
        try {
            byte[] buffer = BoundedDecompression.initialBuffer(data.length, max);
            int size = 0;
            while (true) {
                if (size == buffer.length) {
                    if (size >= max) {
                        if (inflater.inflate(new byte[1]) > 0) {
                            throw Errors.decompressedTooLarge(FORMAT, limits.maxDecompressedBytes());
                        }
                        if (!inflater.finished()) {
                            throw incomplete(inflater);
                        }
                        break;
                    }
                    buffer = Arrays.copyOf(buffer, (int) Math.min(max, buffer.length * 2L));
                }
                BoundedDecompression.checkDeadline(FORMAT, deadlineNanos);
                int n = inflater.inflate(buffer, size, Math.min(BoundedDecompression.CHUNK, buffer.length - size));
                size += n;
                if (inflater.finished()) {
                    break;
                }
                if (n == 0 && (inflater.needsInput() || inflater.needsDictionary())) {
                    throw incomplete(inflater);
                }
            }
            if (inflater.getRemaining() > 0) {
                throw Errors.malformed(FORMAT, inflater.getRemaining() + " byte(s) after the end of the zlib stream");
            }
            return size == buffer.length ? buffer : Arrays.copyOf(buffer, size);
        } catch (DataFormatException e) {
            throw Errors.malformed(FORMAT, "not a valid zlib stream (" + e.getMessage() + ")", e);
        } catch (SergeantException e) {
            throw e;
        } finally {
            inflater.reset();
        }
    }

    private static SergeantException incomplete(Inflater inflater) {
        return Errors.malformed(FORMAT, inflater.needsDictionary()
                ? "the stream needs a preset dictionary, which Python Sergeant never uses"
                : "the zlib stream is truncated");
    }

    @Override
    public String toString() {
        return "ZlibCompressor[level=" + level + "]";
    }
}
