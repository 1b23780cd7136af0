package io.sergeant.cli.bench;

import redis.clients.jedis.Jedis;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A {@code redis-server} process that {@code sergeant bench --all} starts for itself: bound to
 * 127.0.0.1 on a free port, in a temporary directory, without persistence. {@link #close()} stops it
 * (and a shutdown hook does, should the JVM end first) and deletes the directory. Not thread safe.
 */
final class RedisServer implements AutoCloseable {

    private static final long START_MILLIS = 20_000;

    private final Process process;
    private final Path directory;
    private final int port;
    private final String version;
    private final Thread shutdownHook;

    private RedisServer(Process process, Path directory, int port, String version) {
        this.process = process;
        this.directory = directory;
        this.port = port;
        this.version = version;
        this.shutdownHook = new Thread(this::stop, "sergeant-bench-redis-stopper");
        Runtime.getRuntime().addShutdownHook(shutdownHook);
    }

    /**
     * Starts {@code binary} on a free loopback port and waits until it answers.
     *
     * @throws IllegalStateException when it is missing, exits or does not answer within 20 s
     */
    static RedisServer start(String binary) {
        if (!Files.isExecutable(Path.of(binary))) {
            throw new IllegalStateException("redis-server not found at " + binary + "; install Redis (apt-get install"
                    + " redis-server), pass --redis-server PATH, or give a running server with --backend redis://host:port");
        }
        int port = freePort();
        Path directory;
        try {
            directory = Files.createTempDirectory("sergeant-bench-redis-");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a directory for redis-server", e);
        }
        Process process;
        try {
            process = new ProcessBuilder(List.of(binary, "--port", Integer.toString(port), "--bind", "127.0.0.1",
                    "--dir", directory.toString(), "--save", "", "--appendonly", "no", "--daemonize", "no"))
                    .redirectErrorStream(true)
                    .redirectOutput(directory.resolve("redis.log").toFile())
                    .start();
        } catch (IOException e) {
            deleteTree(directory);
            throw new IllegalStateException("cannot start " + binary + ": " + e.getMessage(), e);
        }
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(START_MILLIS);
        while (true) {
            if (!process.isAlive()) {
                String log = read(directory.resolve("redis.log"));
                deleteTree(directory);
                throw new IllegalStateException("redis-server exited with " + process.exitValue() + ": " + log);
            }
            try (Jedis jedis = new Jedis("127.0.0.1", port)) {
                jedis.ping();
                String info = jedis.info("server");
                String version = info.lines().filter(line -> line.startsWith("redis_version:"))
                        .map(line -> line.substring("redis_version:".length()).trim()).findFirst().orElse("unknown");
                return new RedisServer(process, directory, port, version);
            } catch (RuntimeException e) {
                if (System.nanoTime() > deadline) {
                    process.destroyForcibly();
                    deleteTree(directory);
                    throw new IllegalStateException("redis-server on port " + port + " did not answer within "
                            + START_MILLIS / 1000 + " s", e);
                }
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                process.destroyForcibly();
                deleteTree(directory);
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while starting redis-server", e);
            }
        }
    }

    /** {@code redis://127.0.0.1:<port>}. */
    String uri() {
        return "redis://127.0.0.1:" + port;
    }

    /** The server's version, from {@code INFO server}. */
    String version() {
        return version;
    }

    /** The process id, for the report. */
    long pid() {
        return process.pid();
    }

    @Override
    public void close() {
        stop();
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException e) {
            // the JVM is shutting down; the hook runs anyway
        }
        deleteTree(directory);
    }

    private void stop() {
        if (!process.isAlive()) {
            return;
        }
        process.destroy();
        try {
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("no free loopback port for redis-server", e);
        }
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    static void deleteTree(Path root) {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        } catch (IOException e) {
            // a leftover temporary directory is harmless
        }
    }
}
