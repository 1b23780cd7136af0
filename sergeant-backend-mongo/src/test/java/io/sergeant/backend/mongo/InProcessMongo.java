package io.sergeant.backend.mongo;

import de.bwaldvogel.mongo.MongoServer;
import de.bwaldvogel.mongo.backend.memory.MemoryBackend;

import java.net.InetSocketAddress;

/**
 * An in-process MongoDB wire-protocol server (mongo-java-server with its memory backend) on a free
 * loopback port, for tests. Known limits, measured: TTL indexes never expire anything, partial
 * indexes ignore their filter, there are no transactions, no {@code hello} command (only
 * {@code isMaster}), no pipeline updates, and every query scans its collection, so keep test data in
 * the low thousands. {@link #close()} stops it.
 */
final class InProcessMongo implements AutoCloseable {

    /** Tasks for the suite's bulk tests: the emulator's sorted scans slow down sharply past a few thousand. */
    static final int BULK_SIZE = 2_000;

    private final MongoServer server;
    private final InetSocketAddress address;

    /** Starts a server on a free loopback port. */
    InProcessMongo() {
        this(0);
    }

    private InProcessMongo(int port) {
        server = new MongoServer(new MemoryBackend());
        server.bind("127.0.0.1", port);
        address = server.getLocalAddress();
    }

    /** Starts a fresh (empty) server on a given port, for restart tests. */
    static InProcessMongo onPort(int port) {
        return new InProcessMongo(port);
    }

    /** {@code mongodb://127.0.0.1:<port>}. */
    String uri() {
        return "mongodb://127.0.0.1:" + address.getPort();
    }

    int port() {
        return address.getPort();
    }

    @Override
    public void close() {
        server.shutdownNow();
    }
}
