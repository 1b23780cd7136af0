package io.sergeant.testkit.codec;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectOutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.zip.Deflater;

/**
 * Payloads a producer that may only enqueue can send to take a worker down: hash bombs, declared-size
 * bombs, decompression bombs, self-containing values and deserialization bombs (issue 13 §1). Each is
 * returned ready to be stored as it is in a backend (serialized and, where named, compressed), with the
 * encoder a worker must use to read it. A decoder must refuse every one of them with a typed error, fast
 * and in bounded memory; before the decoders were bounded, each hung a worker for minutes or exhausted its
 * heap. Stateless; every method builds a fresh array.
 */
public final class HostilePayloads {

    /**
     * One hostile payload.
     *
     * @param name       a short name for test output
     * @param serializer the serializer a worker needs to read it ({@code pickle}, {@code msgpack}, {@code java})
     * @param compressor the compressor a worker needs to read it ({@code none} or {@code zlib})
     * @param bytes      the payload as stored in the backend
     * @param attack     what it does to an unbounded decoder
     */
    public record HostilePayload(String name, String serializer, String compressor, byte[] bytes, String attack) {

        /** Checks that no part is null. */
        public HostilePayload {
            Objects.requireNonNull(name, "name is null");
            Objects.requireNonNull(serializer, "serializer is null");
            Objects.requireNonNull(compressor, "compressor is null");
            Objects.requireNonNull(bytes, "bytes is null");
            Objects.requireNonNull(attack, "attack is null");
        }

        @Override
        public String toString() {
            return name + " (" + serializer + "+" + compressor + ", " + bytes.length + " bytes)";
        }
    }

    private HostilePayloads() {
    }

    /** Every payload of this class, with its encoder. */
    public static List<HostilePayload> all() {
        return List.of(
                new HostilePayload("pickle-tuple-key-hash-bomb", "pickle", "none", pickleTupleKeyHashBomb(100),
                        "a task whose kwargs hold a dict keyed by a tuple of 100 nested tuples that share references:"
                                + " hashing the key costs 2^100"),
                new HostilePayload("pickle-self-list-as-key", "pickle", "none", pickleSelfContainingListAsKey(),
                        "a dict keyed by a tuple holding a list that contains itself: hashing it never ends"
                                + " (StackOverflowError)"),
                new HostilePayload("pickle-shared-reference-kwargs", "pickle", "none", pickleSharedReferenceKwargs(60),
                        "a task whose kwargs hold 60 nested lists that each hold the next one twice: decodes in"
                                + " microseconds, but equality, hashing, re-encoding or logging walk 2^60 values"),
                new HostilePayload("msgpack-declared-headers-zlib", "msgpack", "zlib", msgpackDeclaredHeaders(128, 1_000_000),
                        "128 nested array headers each declaring 1,000,000 elements (about 1 KB of zlib):"
                                + " pre-allocating the declared sizes takes hundreds of MB"),
                new HostilePayload("msgpack-empty-maps-zlib", "msgpack", "zlib", msgpackEmptyMapsZlib(64),
                        "zlib that expands to 64 million empty maps (about 64 KB compressed)"),
                new HostilePayload("msgpack-small-maps-16mb", "msgpack", "none", msgpackEmptyMaps(16),
                        "16 MB of empty maps, uncompressed: 16 million map objects"),
                new HostilePayload("java-hashset-bomb", "java", "none", javaHashSetBomb(100),
                        "the classic JDK HashSet deserialization bomb (100 levels of sets sharing two children):"
                                + " HashSet.readObject hashes 2^100 times"));
    }

    /**
     * A protocol 4 pickle of a {@code sergeant.objects.Task} whose kwargs are {@code {"k": {key: None}}},
     * where {@code key} is {@code levels} nested 2-tuples each holding the next one twice (DUP, TUPLE2).
     */
    public static byte[] pickleTupleKeyHashBomb(int levels) {
        Pickle kwargs = new Pickle().op(0x7d).str("k").op(0x7d).op('K', 0);
        for (int i = 0; i < levels; i++) {
            kwargs.op('2').op(0x86);
        }
        kwargs.op('N').op('s').op('s');
        return task(kwargs);
    }

    /**
     * The 13-byte pickle {@code {(l,): None}} where {@code l} is a list that contains itself:
     * {@code PROTO 2, EMPTY_DICT, EMPTY_LIST, BINPUT 0, BINGET 0, APPEND, TUPLE1, NONE, SETITEM, STOP}.
     */
    public static byte[] pickleSelfContainingListAsKey() {
        return new byte[] {(byte) 0x80, 2, '}', ']', 'q', 0, 'h', 0, 'a', (byte) 0x85, 'N', 's', '.'};
    }

    /**
     * A protocol 4 pickle of a task whose kwargs are {@code {"a": l}} where {@code l} is {@code levels}
     * (at most 255) nested lists each holding the next one twice through the memo.
     */
    public static byte[] pickleSharedReferenceKwargs(int levels) {
        if (levels < 1 || levels > 255) {
            throw new IllegalArgumentException("levels must be 1 to 255: " + levels);
        }
        Pickle kwargs = new Pickle().op(0x7d).str("a").op(']');
        for (int i = 0; i < levels; i++) {
            kwargs.op('q', i).op('0').op('(').op('h', i).op('h', i).op('l');
        }
        kwargs.op('s');
        return task(kwargs);
    }

    /**
     * zlib of {@code levels} nested msgpack array32 headers each declaring {@code declared} elements,
     * followed by {@code declared} zero bytes, so that every declared length fits in the bytes that remain.
     */
    public static byte[] msgpackDeclaredHeaders(int levels, int declared) {
        ByteArrayOutputStream raw = new ByteArrayOutputStream(levels * 5 + declared);
        for (int i = 0; i < levels; i++) {
            array32(raw, declared);
        }
        raw.writeBytes(new byte[declared]);
        return zlib(raw.toByteArray());
    }

    /** zlib of a msgpack array of {@code millions} arrays of 1,000,000 empty maps each. */
    public static byte[] msgpackEmptyMapsZlib(int millions) {
        return zlib(msgpackEmptyMaps(millions));
    }

    /** A msgpack array of {@code millions} arrays of 1,000,000 empty maps each (about {@code millions} MB). */
    public static byte[] msgpackEmptyMaps(int millions) {
        ByteArrayOutputStream raw = new ByteArrayOutputStream(millions * 1_000_005 + 3);
        raw.write(0xdc);
        raw.write(millions >>> 8);
        raw.write(millions);
        byte[] maps = new byte[1_000_000];
        java.util.Arrays.fill(maps, (byte) 0x80);
        for (int i = 0; i < millions; i++) {
            array32(raw, maps.length);
            raw.writeBytes(maps);
        }
        return raw.toByteArray();
    }

    /**
     * The JDK serial form of the classic HashSet bomb: {@code levels} levels of two sets that each hold
     * the same two sets of the next level (one marked by a string so they differ).
     */
    public static byte[] javaHashSetBomb(int levels) {
        Set<Object> root = new HashSet<>();
        Set<Object> s1 = root;
        Set<Object> s2 = new HashSet<>();
        for (int i = 0; i < levels; i++) {
            Set<Object> t1 = new HashSet<>();
            Set<Object> t2 = new HashSet<>();
            t1.add("foo");
            s1.add(t1);
            s1.add(t2);
            s2.add(t1);
            s2.add(t2);
            s1 = t1;
            s2 = t2;
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(root);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    /** {@code size} bytes that no decoder should read whole: a msgpack bin 32 header and zeros. */
    public static byte[] oversized(int size) {
        byte[] bytes = new byte[size];
        bytes[0] = (byte) 0xc6;
        int length = size - 5;
        bytes[1] = (byte) (length >>> 24);
        bytes[2] = (byte) (length >>> 16);
        bytes[3] = (byte) (length >>> 8);
        bytes[4] = (byte) length;
        return bytes;
    }

    private static byte[] task(Pickle kwargs) {
        Pickle pickle = new Pickle().op(0x80, 4).str("sergeant.objects").str("Task").op(0x93).op(')').op(0x81)
                .op('}').str("kwargs").append(kwargs).op('s')
                .str("trace_id").op('N').op('s')
                .str("date").op('G').raw(doubleBigEndian(1_700_000_000.0)).op('s')
                .str("run_count").op('K', 0).op('s')
                .op('b').op('.');
        return pickle.bytes();
    }

    private static void array32(ByteArrayOutputStream out, int size) {
        out.write(0xdd);
        out.write(size >>> 24);
        out.write(size >>> 16);
        out.write(size >>> 8);
        out.write(size);
    }

    private static byte[] zlib(byte[] raw) {
        Deflater deflater = new Deflater(9);
        try {
            deflater.setInput(raw);
            deflater.finish();
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            byte[] buffer = new byte[64 * 1024];
            while (!deflater.finished()) {
                int n = deflater.deflate(buffer);
                out.write(buffer, 0, n);
            }
            return out.toByteArray();
        } finally {
            deflater.end();
        }
    }

    private static byte[] doubleBigEndian(double value) {
        long bits = Double.doubleToLongBits(value);
        byte[] bytes = new byte[8];
        for (int i = 0; i < 8; i++) {
            bytes[i] = (byte) (bits >>> (56 - 8 * i));
        }
        return bytes;
    }

    /** A tiny pickle opcode writer. */
    private static final class Pickle {
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();

        Pickle op(int... bytes) {
            for (int b : bytes) {
                out.write(b);
            }
            return this;
        }

        Pickle str(String text) {
            byte[] utf8 = text.getBytes(StandardCharsets.UTF_8);
            out.write(0x8c);
            out.write(utf8.length);
            out.writeBytes(utf8);
            return this;
        }

        Pickle raw(byte[] bytes) {
            out.writeBytes(bytes);
            return this;
        }

        Pickle append(Pickle other) {
            out.writeBytes(other.bytes());
            return this;
        }

        byte[] bytes() {
            return out.toByteArray();
        }
    }
}
