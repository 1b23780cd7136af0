package io.sergeant.testkit.codec;

import io.sergeant.api.ErrorCode;
import io.sergeant.api.SergeantException;
import io.sergeant.api.config.DecodeLimits;
import io.sergeant.spi.codec.Compressor;
import io.sergeant.testkit.execution.Concurrently;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.assertj.core.api.Assertions.fail;

/**
 * The contract every {@link io.sergeant.spi.codec.Compressor} meets, encoded once: round trips of
 * Python Sergeant's test data (the 2^15-character string) and of random bytes; compression bombs stop at
 * {@code maxDecompressedBytes} with {@code DECOMPRESSED_TOO_LARGE}, quickly and in bounded memory;
 * oversized input is {@code PAYLOAD_TOO_LARGE}; garbage, truncated and corrupted input is a typed error.
 *
 * <p>A test class extends this suite, implements {@link #createCompressor(DecodeLimits)} and
 * {@link #compressingStream(OutputStream)} (a streaming writer of the same format, used to build bombs
 * without holding them in memory).
 */
public abstract class CompressorCompatibilitySuite {

    private static final int MIB = 1 << 20;

    /** Creates the compressor under test with these decode limits. */
    protected abstract Compressor createCompressor(DecodeLimits limits);

    /** A stream that writes the compressor's format to {@code sink} (closing it finishes the format). */
    protected abstract OutputStream compressingStream(OutputStream sink) throws IOException;

    /** The uncompressed size of the bomb tests use; the decode limit is an eighth of it. */
    protected long bombSize() {
        return 64L * MIB;
    }

    /** The compressed form of {@code size} zero bytes, written in 1 MiB chunks. */
    protected byte[] zerosBomb(long size) {
        ByteArrayOutputStream compressed = new ByteArrayOutputStream();
        try (OutputStream out = compressingStream(compressed)) {
            byte[] zeros = new byte[MIB];
            for (long written = 0; written < size; written += zeros.length) {
                out.write(zeros, 0, (int) Math.min(zeros.length, size - written));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return compressed.toByteArray();
    }

    /** Asserts {@code action} throws a {@link SergeantException} with one of {@code codes}. */
    protected static SergeantException expectError(Runnable action, ErrorCode... codes) {
        try {
            action.run();
        } catch (SergeantException e) {
            assertThat(e.code()).as("error code of: %s", e.getMessage()).isIn((Object[]) codes);
            return e;
        } catch (Throwable t) {
            throw new AssertionError("expected a SergeantException with " + Arrays.toString(codes) + " but got " + t, t);
        }
        return fail("expected a SergeantException with " + Arrays.toString(codes) + " but nothing was thrown");
    }

    private Compressor compressor() {
        return createCompressor(TestDecodeLimits.DEFAULT);
    }

    @Test
    @DisplayName("the 2^15-character string of Python Sergeant's tests round-trips and shrinks")
    void roundTripsReferenceString() {
        byte[] data = "a".repeat(1 << 15).getBytes(StandardCharsets.UTF_8);
        Compressor compressor = compressor();
        byte[] compressed = compressor.compress(data);
        assertThat(compressed.length).isLessThan(data.length / 10);
        assertThat(compressor.decompress(compressed)).isEqualTo(data);
        StringBuilder text = new StringBuilder();
        Random random = new Random(15);
        while (text.length() < (1 << 15)) {
            text.append("word").append(random.nextInt(1000)).append(' ');
        }
        byte[] words = text.substring(0, 1 << 15).getBytes(StandardCharsets.UTF_8);
        assertThat(compressor.decompress(compressor.compress(words))).isEqualTo(words);
    }

    @Test
    @DisplayName("random bytes and an empty input round-trip")
    void roundTripsRandomAndEmpty() {
        Compressor compressor = compressor();
        for (int size : new int[] {0, 1, 100, 65_536, 300_000}) {
            byte[] data = new byte[size];
            new Random(size).nextBytes(data);
            assertThat(compressor.decompress(compressor.compress(data))).as("size %d", size).isEqualTo(data);
        }
    }

    @Test
    @DisplayName("output exactly at maxDecompressedBytes is accepted and one byte more is refused")
    void boundIsExact() {
        int limit = 100_000;
        Compressor compressor = createCompressor(TestDecodeLimits.of(MIB, limit, 64, 1000));
        byte[] atLimit = new byte[limit];
        new Random(1).nextBytes(atLimit);
        assertThat(compressor.decompress(compressor.compress(atLimit))).isEqualTo(atLimit);
        byte[] overLimit = Arrays.copyOf(atLimit, limit + 1);
        byte[] compressed = compressor.compress(overLimit);
        expectError(() -> compressor.decompress(compressed), ErrorCode.DECOMPRESSED_TOO_LARGE);
    }

    @Test
    @DisplayName("a compression bomb stops at maxDecompressedBytes, quickly")
    void stopsBombs() {
        long size = bombSize();
        byte[] bomb = zerosBomb(size);
        Compressor compressor = createCompressor(TestDecodeLimits.of(16 * MIB, size / 8, 64, 1000));
        assertTimeoutPreemptively(Duration.ofSeconds(60),
                () -> expectError(() -> compressor.decompress(bomb), ErrorCode.DECOMPRESSED_TOO_LARGE));
    }

    @Test
    @DisplayName("compressed input larger than maxEncodedBytes is refused before decompression")
    void boundsInputSize() {
        byte[] data = new byte[50_000];
        new Random(2).nextBytes(data);
        byte[] compressed = compressor().compress(data);
        Compressor small = createCompressor(TestDecodeLimits.of(10_000, MIB, 64, 1000));
        expectError(() -> small.decompress(compressed), ErrorCode.PAYLOAD_TOO_LARGE);
    }

    @Test
    @DisplayName("garbage, empty and truncated input are malformed payloads")
    void rejectsGarbage() {
        Compressor compressor = compressor();
        expectError(() -> compressor.decompress(new byte[0]), ErrorCode.MALFORMED_PAYLOAD);
        expectError(() -> compressor.decompress("definitely not compressed".getBytes(StandardCharsets.UTF_8)),
                ErrorCode.MALFORMED_PAYLOAD);
        byte[] random = new byte[1000];
        new Random(3).nextBytes(random);
        expectError(() -> compressor.decompress(random), ErrorCode.MALFORMED_PAYLOAD);
        byte[] text = "some text that compresses, some text that compresses".repeat(300).getBytes(StandardCharsets.UTF_8);
        byte[] compressed = compressor.compress(text);
        for (int length : new int[] {1, compressed.length / 2, compressed.length - 1}) {
            byte[] truncated = Arrays.copyOf(compressed, length);
            expectError(() -> compressor.decompress(truncated), ErrorCode.MALFORMED_PAYLOAD);
        }
    }

    @Test
    @DisplayName("random corruption never escapes as anything but a SergeantException")
    void survivesCorruption() {
        Compressor compressor = createCompressor(TestDecodeLimits.of(MIB, MIB, 64, 1000));
        byte[] text = "corruption test data 0123456789 ".repeat(200).getBytes(StandardCharsets.UTF_8);
        byte[] valid = compressor.compress(text);
        long seed = System.nanoTime();
        Random random = new Random(seed);
        for (int round = 0; round < 500; round++) {
            byte[] corrupt = valid.clone();
            corrupt[random.nextInt(corrupt.length)] ^= (byte) (1 + random.nextInt(255));
            try {
                compressor.decompress(corrupt);
            } catch (SergeantException expected) {
                assertThat(expected.code()).isIn(ErrorCode.MALFORMED_PAYLOAD, ErrorCode.DECOMPRESSED_TOO_LARGE);
            } catch (Throwable t) {
                throw new AssertionError("seed " + seed + ", round " + round + ": " + t, t);
            }
        }
    }

    @Test
    @DisplayName("one compressor is safe to share between threads")
    void isThreadSafe() throws Exception {
        Compressor compressor = compressor();
        Concurrently.run(4, Duration.ofSeconds(120), thread -> {
            for (int i = 0; i < 40; i++) {
                byte[] data = ("thread " + thread + " round " + i + " ").repeat(50 + i).getBytes(StandardCharsets.UTF_8);
                assertThat(compressor.decompress(compressor.compress(data))).isEqualTo(data);
            }
            return null;
        });
    }
}
