package io.sergeant.testkit.servers;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A {@code redis-server} process for tests of Redis-based plugins (the backend's own tests and the
 * reliability suite use it): bound to 127.0.0.1 on a free port, in a temporary
 * directory of its own, without persistence unless asked ({@code --save "" --appendonly no}); a replica
 * of it starts its sync at once ({@code --repl-diskless-sync-delay 0}: Redis would wait 5 s for more replicas).
 * It is stopped by {@link #close()} and, should the test JVM die first, by a shutdown hook.
 * {@link #startTls} adds a TLS port. {@link #kill()} and {@link #restart()} simulate a crash and a restart on the same port and directory
 * (with {@code --appendonly yes} the data survives).
 *
 * <p>Also speaks just enough RESP ({@link #command}) for setup checks without a client library.
 * Not thread safe; one test class owns an instance.
 */
public final class RedisServerProcess implements AutoCloseable {

    private static final Duration START_TIMEOUT = Duration.ofSeconds(20);

    private final int port;
    private final int tlsPort;
    private final Path dir;
    private final List<String> extraArgs;
    private final Thread shutdownHook;
    private Process process;

    private RedisServerProcess(int port, int tlsPort, Path dir, List<String> extraArgs) {
        this.port = port;
        this.tlsPort = tlsPort;
        this.dir = dir;
        this.extraArgs = List.copyOf(extraArgs);
        this.shutdownHook = new Thread(this::destroy, "redis-server-" + port + "-stopper");
        Runtime.getRuntime().addShutdownHook(shutdownHook);
    }

    /**
     * Starts a server on a free loopback port. {@code extraArgs} are appended to the command line
     * and override the defaults (for example {@code "--appendonly", "yes"}).
     *
     * @throws IllegalStateException if {@code redis-server} is not installed or does not start
     */
    public static RedisServerProcess start(String... extraArgs) {
        return startOn(freePort(false), extraArgs);
    }

    /** Starts a server on {@code port} (and, for a cluster node, {@code port + 10000} for its bus). */
    public static RedisServerProcess startOn(int port, String... extraArgs) {
        return startOn(port, 0, List.of(extraArgs));
    }

    /**
     * Starts a server that also listens with TLS on a second free loopback port ({@link #tlsPort()}),
     * presenting {@code certFile}/{@code keyFile} (PEM) and trusting client certificates signed by
     * {@code caFile}. Client certificates are not required unless {@code extraArgs} says
     * {@code "--tls-auth-clients", "yes"}. The plain port stays open: the start-up check and
     * {@link #command} use it.
     *
     * @throws IllegalStateException if {@code redis-server} is missing, was built without TLS, or does not start
     */
    public static RedisServerProcess startTls(Path certFile, Path keyFile, Path caFile, String... extraArgs) {
        int port = freePort(false);
        int tlsPort = freePort(false);
        while (tlsPort == port) {
            tlsPort = freePort(false);
        }
        List<String> args = new ArrayList<>(List.of("--tls-port", Integer.toString(tlsPort),
                "--tls-cert-file", certFile.toString(), "--tls-key-file", keyFile.toString(),
                "--tls-ca-cert-file", caFile.toString(), "--tls-auth-clients", "no"));
        args.addAll(List.of(extraArgs));
        return startOn(port, tlsPort, args);
    }

    private static RedisServerProcess startOn(int port, int tlsPort, List<String> extraArgs) {
        Path dir;
        try {
            dir = Files.createTempDirectory("sergeant-redis-" + port + "-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        RedisServerProcess server = new RedisServerProcess(port, tlsPort, dir, extraArgs);
        try {
            server.launch();
        } catch (RuntimeException e) {
            server.close();
            throw e;
        }
        return server;
    }

    /** The TCP port. */
    public int port() {
        return port;
    }

    /** The TLS port, or 0 when the server was not started with {@link #startTls}. */
    public int tlsPort() {
        return tlsPort;
    }

    /**
     * {@code rediss://127.0.0.1:<tlsPort>/0}.
     *
     * @throws IllegalStateException when the server has no TLS port
     */
    public String tlsUri() {
        if (tlsPort == 0) {
            throw new IllegalStateException("redis-server on port " + port + " was started without TLS");
        }
        return "rediss://127.0.0.1:" + tlsPort + "/0";
    }

    /** {@code redis://127.0.0.1:<port>}. */
    public String uri() {
        return "redis://127.0.0.1:" + port;
    }

    /** The server's working directory. */
    public Path dir() {
        return dir;
    }

    /** Whether the process is alive. */
    public boolean isRunning() {
        return process != null && process.isAlive();
    }

    /** Kills the server at once (SIGKILL), as a crash would. */
    public void kill() {
        if (process != null) {
            process.destroyForcibly();
            waitFor(process);
        }
    }

    /** Starts the server again on the same port and directory after {@link #kill()}. */
    public void restart() {
        if (isRunning()) {
            throw new IllegalStateException("redis-server on port " + port + " is still running");
        }
        launch();
    }

    /** Sends one command and returns its reply as text (arrays joined by newlines). */
    public String command(String... args) {
        return command(port, args);
    }

    /** Stops the server and deletes its directory. Idempotent. */
    @Override
    public void close() {
        destroy();
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException e) {
            // the JVM is already shutting down; the hook runs anyway
        }
        deleteTree(dir);
    }

    private void launch() {
        List<String> command = new ArrayList<>(List.of(binary("redis-server"),
                "--port", Integer.toString(port), "--bind", "127.0.0.1", "--dir", dir.toString(),
                "--save", "", "--appendonly", "no", "--daemonize", "no", "--logfile", "",
                // A replica syncs at once: by default a diskless master first waits 5 s for more replicas.
                "--repl-diskless-sync-delay", "0"));
        command.addAll(extraArgs);
        Path log = dir.resolve("redis.log");
        try {
            process = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        } catch (IOException e) {
            throw new IllegalStateException("cannot start " + command + ": " + e.getMessage(), e);
        }
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        while (true) {
            if (!process.isAlive()) {
                throw new IllegalStateException("redis-server on port " + port + " exited with "
                        + process.exitValue() + "; its log:\n" + readQuietly(log));
            }
            try {
                if ("PONG".equals(command(port, "PING"))) {
                    return;
                }
            } catch (IllegalStateException e) {
                if (String.valueOf(e.getMessage()).startsWith("NOAUTH")) {
                    return; // answering, and asking for the password it was started with
                }
                // still loading its data
            } catch (UncheckedIOException e) {
                // not listening yet
            }
            if (System.nanoTime() > deadline) {
                destroy();
                throw new IllegalStateException("redis-server on port " + port + " did not answer within "
                        + START_TIMEOUT + "; its log:\n" + readQuietly(log));
            }
            sleep(20);
        }
    }

    private void destroy() {
        if (process != null && process.isAlive()) {
            process.destroy();
            try {
                if (!process.waitFor(5, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                    waitFor(process);
                }
            } catch (InterruptedException e) {
                process.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
    }

    /**
     * The path of a Redis binary ({@code redis-server}, {@code redis-cli}) on the PATH.
     *
     * @throws IllegalStateException saying how to install it when it is missing
     */
    public static String binary(String name) {
        String path = System.getenv().getOrDefault("PATH", "") + File.pathSeparator + "/usr/bin:/usr/local/bin";
        for (String entry : path.split(File.pathSeparator)) {
            if (!entry.isEmpty() && Files.isExecutable(Path.of(entry, name))) {
                return Path.of(entry, name).toString();
            }
        }
        throw new IllegalStateException(name + " was not found on the PATH; the Redis tests start their own "
                + "servers: install Redis 6.2 or newer, for example with `apt-get install redis-server`");
    }

    /**
     * A free loopback port; with {@code withBus} also {@code port + 10000} is free (a cluster node's
     * bus port).
     */
    public static int freePort(boolean withBus) {
        for (int attempt = 0; attempt < 200; attempt++) {
            int port = withBus ? ThreadLocalRandom.current().nextInt(20_000, 30_000) : anyFreePort();
            if (isFree(port) && (!withBus || isFree(port + 10_000))) {
                return port;
            }
        }
        throw new IllegalStateException("no free loopback port found");
    }

    private static int anyFreePort() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static boolean isFree(int port) {
        try (ServerSocket socket = new ServerSocket()) {
            socket.setReuseAddress(false);
            socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 1);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * Sends one RESP command to 127.0.0.1:{@code port} and returns the reply as text.
     *
     * @throws UncheckedIOException when nothing answers
     * @throws IllegalStateException for an error reply
     */
    public static String command(int port, String... args) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 1000);
            socket.setSoTimeout(5000);
            OutputStream out = socket.getOutputStream();
            StringBuilder request = new StringBuilder("*" + args.length + "\r\n");
            for (String arg : args) {
                request.append('$').append(arg.getBytes(StandardCharsets.UTF_8).length).append("\r\n")
                        .append(arg).append("\r\n");
            }
            out.write(request.toString().getBytes(StandardCharsets.UTF_8));
            out.flush();
            return readReply(new BufferedInputStream(socket.getInputStream()));
        } catch (IOException e) {
            throw new UncheckedIOException("nothing answers on 127.0.0.1:" + port, e);
        }
    }

    private static String readReply(InputStream in) throws IOException {
        int type = in.read();
        String line = readLine(in);
        switch (type) {
            case '+', ':' -> {
                return line;
            }
            case '-' -> throw new IllegalStateException(line);
            case '$' -> {
                int length = Integer.parseInt(line);
                if (length < 0) {
                    return null;
                }
                byte[] data = in.readNBytes(length + 2);
                return new String(data, 0, length, StandardCharsets.UTF_8);
            }
            case '*' -> {
                int count = Integer.parseInt(line);
                List<String> items = new ArrayList<>();
                for (int i = 0; i < count; i++) {
                    items.add(readReply(in));
                }
                return String.join("\n", items);
            }
            default -> throw new IOException("unexpected RESP reply type " + type);
        }
    }

    private static String readLine(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        int b;
        while ((b = in.read()) != '\r') {
            if (b < 0) {
                throw new IOException("connection closed");
            }
            line.write(b);
        }
        in.read(); // '\n'
        return line.toString(StandardCharsets.UTF_8);
    }

    private static String readQuietly(Path log) {
        try {
            return Files.readString(log);
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    private static void waitFor(Process process) {
        try {
            process.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    private static void deleteTree(Path root) {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(root)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // a leftover temp directory is harmless
        }
    }
}
