package io.sergeant.backend.mongo;

import de.bwaldvogel.mongo.MongoServer;
import de.bwaldvogel.mongo.backend.memory.MemoryBackend;
import de.bwaldvogel.mongo.bson.Document;
import de.bwaldvogel.mongo.wire.message.MongoMessage;

import java.net.InetSocketAddress;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An in-process MongoDB wire-protocol server (mongo-java-server with its memory backend) on a free
 * loopback port, for tests. Known limits, measured: TTL indexes never expire anything, partial
 * indexes ignore their filter, there are no transactions, no {@code hello} command (only
 * {@code isMaster}), no pipeline updates, no {@code $binarySize} (the one use the backend makes of it is
 * emulated: {@link BinarySizeEmulation}), and every query scans its collection, so keep test data in
 * the low thousands. It counts the commands it receives outside the {@code admin} database (the
 * driver's monitoring goes there), so a test can show how many round trips an operation costs.
 * {@link #close()} stops it.
 */
final class InProcessMongo implements AutoCloseable {

    /** Tasks for the suite's bulk tests: the emulator's sorted scans slow down sharply past a few thousand. */
    static final int BULK_SIZE = 2_000;

    private final MongoServer server;
    private final InetSocketAddress address;
    private final Map<String, AtomicInteger> commands = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> failures = new ConcurrentHashMap<>();
    private final java.util.concurrent.atomic.AtomicLong binaryBytes = new java.util.concurrent.atomic.AtomicLong();
    private volatile String downAtKey;
    private final AtomicInteger downAtCountdown = new AtomicInteger();
    private volatile boolean down;
    private final boolean binarySize;

    /** Starts a server on a free loopback port. */
    InProcessMongo() {
        this(0, true);
    }

    private InProcessMongo(int port, boolean binarySize) {
        this.binarySize = binarySize;
        server = new MongoServer(new CountingBackend());
        server.bind("127.0.0.1", port);
        address = server.getLocalAddress();
    }

    /** Starts a fresh (empty) server on a given port, for restart tests. */
    static InProcessMongo onPort(int port) {
        return new InProcessMongo(port, true);
    }

    /**
     * Starts a server on a free loopback port without the {@code $binarySize} emulation: an aggregation
     * using the operator fails as on a server that lacks it (MongoDB before 4.4, some emulators).
     */
    static InProcessMongo withoutBinarySize() {
        return new InProcessMongo(0, false);
    }

    /** {@code mongodb://127.0.0.1:<port>}. */
    String uri() {
        return "mongodb://127.0.0.1:" + address.getPort();
    }

    int port() {
        return address.getPort();
    }

    /**
     * The commands received since the last {@link #resetCounts()}, by {@code "<command> <collection>"}
     * (e.g. {@code "find task_queue"}), sorted.
     */
    Map<String, Integer> commands() {
        return snapshot(commands);
    }

    /** The commands that failed since the last {@link #resetCounts()}, keyed as {@link #commands()}. */
    Map<String, Integer> failures() {
        return snapshot(failures);
    }

    /**
     * The bytes of binary values (payloads) in the answers sent since the start, over every command;
     * what a client fetched of stored payloads.
     */
    long binaryBytesServed() {
        return binaryBytes.get();
    }

    /**
     * Goes down at the {@code nth} command matching {@code key} (as keyed by {@link #commands()}, or
     * {@code "*"} for any) counted from now: that command is not run, and it and every later command
     * (the driver's monitoring included) get their connection closed without an answer, until
     * {@link #comeBack()}.
     */
    void goDownAt(String key, int nth) {
        if (nth < 1) {
            throw new IllegalArgumentException("nth must be positive: " + nth);
        }
        downAtCountdown.set(nth);
        downAtKey = key;
    }

    /** Answers again (the data is as it was when it went down). */
    void comeBack() {
        downAtKey = null;
        down = false;
    }

    /** Whether it went down (and has not come back). */
    boolean isDown() {
        return down;
    }

    void resetCounts() {
        commands.clear();
        failures.clear();
    }

    private static Map<String, Integer> snapshot(Map<String, AtomicInteger> counts) {
        Map<String, Integer> copy = new TreeMap<>();
        counts.forEach((key, count) -> copy.put(key, count.get()));
        return copy;
    }

    /** The memory backend, counting each command (and each failure) before it handles it. */
    private final class CountingBackend extends MemoryBackend {
        @Override
        public Document handleMessage(MongoMessage message) {
            Document command = message.getDocument();
            if ("admin".equals(message.getDatabaseName()) || command.isEmpty()) {
                if (down) {
                    throw dropped(message);
                }
                return super.handleMessage(message);
            }
            String name = command.keySet().iterator().next();
            String key = name + " " + command.get(name);
            String goDownAt = downAtKey;
            if (!down && goDownAt != null && (goDownAt.equals("*") || goDownAt.equals(key))
                    && downAtCountdown.decrementAndGet() == 0) {
                down = true;
            }
            if (down) {
                throw dropped(message);
            }
            commands.computeIfAbsent(key, k -> new AtomicInteger()).incrementAndGet();
            try {
                Document answer = binarySize ? BinarySizeEmulation.handle(message, super::handleMessage)
                        : super.handleMessage(message);
                binaryBytes.addAndGet(binaryBytes(answer));
                return answer;
            } catch (RuntimeException e) {
                failures.computeIfAbsent(key, k -> new AtomicInteger()).incrementAndGet();
                throw e;
            }
        }

        /** Closes the connection the message came on, so the error answer the server then writes never arrives. */
        private IllegalStateException dropped(MongoMessage message) {
            message.getChannel().close();
            return new IllegalStateException("the in-process server is down (a test took it down)");
        }
    }

    /** The bytes of every binary value in an answer, at any depth. */
    private static long binaryBytes(Object value) {
        if (value instanceof byte[] bytes) {
            return bytes.length;
        }
        if (value instanceof de.bwaldvogel.mongo.bson.BinData binary) {
            return binary.getData().length;
        }
        if (value instanceof Document document) {
            long sum = 0;
            for (Object inner : document.values()) {
                sum += binaryBytes(inner);
            }
            return sum;
        }
        if (value instanceof Iterable<?> list) {
            long sum = 0;
            for (Object inner : list) {
                sum += binaryBytes(inner);
            }
            return sum;
        }
        return 0;
    }

    @Override
    public void close() {
        server.shutdownNow();
    }
}
