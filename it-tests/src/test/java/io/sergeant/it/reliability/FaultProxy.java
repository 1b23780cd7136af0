package io.sergeant.it.reliability;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.time.Duration;
import java.util.Arrays;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A TCP proxy on 127.0.0.1 between clients and one upstream port that injects network faults: it can
 * delay what it forwards (latency: every chunk goes out the delay after it arrived), blackhole (accept connections and read what clients send, but never
 * forward or answer), and reset (close every connection with a TCP RST, and reset new ones at once).
 * {@link #heal()} goes back to plain forwarding. Thread safe; {@link #close()} stops everything it started.
 */
final class FaultProxy implements AutoCloseable {

    /** What the proxy does with traffic. */
    enum Mode { PASS, DELAY, BLACKHOLE, RESET }

    private final int upstreamPort;
    private final ServerSocket server;
    private final Set<Socket> sockets = ConcurrentHashMap.newKeySet();
    private final Thread acceptor;
    private volatile Mode mode = Mode.PASS;
    private volatile long delayMillis;
    private volatile boolean closed;

    private FaultProxy(int upstreamPort) throws IOException {
        this.upstreamPort = upstreamPort;
        this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        this.acceptor = daemon("fault-proxy-accept", this::acceptLoop);
    }

    /** Starts a proxy in front of {@code 127.0.0.1:upstreamPort}, forwarding plainly. */
    static FaultProxy start(int upstreamPort) {
        try {
            return new FaultProxy(upstreamPort);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open the fault proxy's port", e);
        }
    }

    /** The proxy's own port, on 127.0.0.1. */
    int port() {
        return server.getLocalPort();
    }

    /** Every chunk forwarded in either direction goes out {@code delay} after it arrived. */
    void delay(Duration delay) {
        delayMillis = delay.toMillis();
        mode = Mode.DELAY;
    }

    /** Connections stay open and what clients send is read, but nothing is forwarded or answered. */
    void blackhole() {
        mode = Mode.BLACKHOLE;
    }

    /** Every open connection is reset (RST) now, and every new one as soon as it is accepted. */
    void reset() {
        mode = Mode.RESET;
        sockets.forEach(FaultProxy::abort);
    }

    /**
     * Plain forwarding again. Connections opened before are reset, because a blackholed connection has
     * lost bytes and a client must not read a stale answer on it.
     */
    void heal() {
        Mode before = mode;
        mode = Mode.PASS;
        if (before == Mode.BLACKHOLE) {
            sockets.forEach(FaultProxy::abort);
        }
    }

    private void acceptLoop() {
        while (!closed) {
            Socket client;
            try {
                client = server.accept();
            } catch (IOException e) {
                return; // closed
            }
            if (mode == Mode.RESET) {
                abort(client);
                continue;
            }
            Socket upstream = new Socket();
            try {
                upstream.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), upstreamPort), 2_000);
            } catch (IOException e) {
                abort(client);
                closeQuietly(upstream);
                continue;
            }
            sockets.add(client);
            sockets.add(upstream);
            pump(client, upstream, "up");
            pump(upstream, client, "down");
        }
    }

    /**
     * Forwards one direction with two threads: the reader stamps each chunk with when it may go out (its
     * arrival, plus the delay in {@link Mode#DELAY}) and the writer sends the chunks in order, each at its
     * time. So a delay is latency, as on a slow link: a request that arrives in several chunks waits the
     * delay once, not once per chunk (a 16 KB script source is two chunks; with a sleep per chunk a 300 ms
     * delay took 600 ms plus the answer's 300).
     */
    private void pump(Socket from, Socket to, String direction) {
        BlockingQueue<Chunk> chunks = new LinkedBlockingQueue<>();
        daemon("fault-proxy-" + direction + "-read", () -> {
            byte[] buffer = new byte[16 * 1024];
            try {
                InputStream in = from.getInputStream();
                int n;
                while ((n = in.read(buffer)) >= 0) {
                    Mode now = mode;
                    if (now == Mode.BLACKHOLE) {
                        continue; // swallowed: the client waits for an answer that never comes
                    }
                    long due = System.nanoTime() + (now == Mode.DELAY ? TimeUnit.MILLISECONDS.toNanos(delayMillis) : 0);
                    chunks.add(new Chunk(Arrays.copyOf(buffer, n), due));
                }
            } catch (IOException e) {
                // the other side went away, or the connection was reset on purpose
            } finally {
                chunks.add(Chunk.END);
            }
        });
        daemon("fault-proxy-" + direction + "-write", () -> {
            try {
                OutputStream out = to.getOutputStream();
                for (Chunk chunk = chunks.take(); chunk != Chunk.END; chunk = chunks.take()) {
                    long wait = chunk.dueNanos() - System.nanoTime();
                    if (wait > 0) {
                        TimeUnit.NANOSECONDS.sleep(wait);
                    }
                    out.write(chunk.bytes());
                    out.flush();
                }
            } catch (IOException | InterruptedException e) {
                // the other side went away, or the connection was reset on purpose
            } finally {
                abort(from);
                abort(to);
            }
        });
    }

    /** Bytes read from one side, and when ({@link System#nanoTime()}) they may be written to the other. */
    private record Chunk(byte[] bytes, long dueNanos) {
        static final Chunk END = new Chunk(new byte[0], 0);
    }

    private static Thread daemon(String name, Runnable body) {
        Thread thread = new Thread(body, name);
        thread.setDaemon(true);
        thread.start();
        return thread;
    }

    /** Closes with SO_LINGER 0, which sends a TCP RST instead of an orderly FIN. */
    private static void abort(Socket socket) {
        try {
            socket.setSoLinger(true, 0);
        } catch (SocketException e) {
            // already closed
        }
        closeQuietly(socket);
    }

    private static void closeQuietly(Socket socket) {
        try {
            socket.close();
        } catch (IOException e) {
            // nothing left to do
        }
    }

    @Override
    public void close() {
        closed = true;
        try {
            server.close();
        } catch (IOException e) {
            // nothing left to do
        }
        sockets.forEach(FaultProxy::abort);
        try {
            acceptor.join(2_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
