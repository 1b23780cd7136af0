package io.sergeant.testkit.servers;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;

/**
 * A loopback TCP proxy in front of a real redis-server that spoils one reply on purpose, for tests of what a client
 * does when a reply is cut, trickles or stalls half-way. Armed with a command name ({@link #arm}), it lets the reply
 * to the next command whose bytes contain that name through up to a byte budget, then applies its {@link Fault}:
 * closes that connection ({@link Fault#CUT}), forwards the rest one byte a second ({@link Fault#TRICKLE}: each read
 * stays within any socket timeout, so only a deadline over the whole reply ends it), or holds the rest back until
 * {@link #release()} ({@link Fault#STALL}). Or it plays a hostile server ({@link #answer}): the next such command
 * never reaches redis-server and is answered with bytes of the test's choosing, at a pace of its choosing. Every
 * other byte, of every other connection, passes untouched.
 *
 * <p>Thread safe: a thread per direction of each client connection, daemons, all ended by {@link #close()}, which
 * also releases a stall. Listens on the loopback address only.
 */
public final class RedisFaultProxy implements AutoCloseable {

    /** What happens to a reply once its byte budget has passed. */
    public enum Fault {
        /** The connection is closed (both sides). */
        CUT,
        /** The rest of the reply comes one byte a second. */
        TRICKLE,
        /** The rest waits until {@link #release()} (or {@link #close()}), then passes at once. */
        STALL
    }

    private final int target;
    private final ServerSocket listener;
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    private final CountDownLatch released = new CountDownLatch(1);
    private String trigger;
    private long budget;
    private Fault fault;
    /** With {@link #answer}: what to send instead of forwarding the command, and how; null: forward. */
    private Answer answer;
    private volatile boolean fired;
    private volatile boolean closed;

    /**
     * Starts listening on a free loopback port, forwarding every connection to the redis-server on the loopback
     * port {@code target}.
     *
     * @throws IOException if no port could be bound
     */
    public RedisFaultProxy(int target) throws IOException {
        this.target = target;
        this.listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        daemon("fault-proxy-accept", this::acceptLoop);
    }

    /** The port the proxy listens on (loopback). */
    public int port() {
        return listener.getLocalPort();
    }

    /** {@code redis://127.0.0.1:<port>}: the proxy's address for a Redis backend. */
    public String uri() {
        return "redis://127.0.0.1:" + port();
    }

    /**
     * Arms the proxy: the next command sent on any connection whose bytes contain {@code command} (say
     * {@code "LPOP"}) has its reply let through for {@code bytes} bytes, then suffers {@code fault}. Arming again
     * replaces an arming not yet triggered; one that triggered stays with its connection.
     */
    public synchronized void arm(String command, long bytes, Fault fault) {
        if (command == null || command.isEmpty() || bytes < 0 || fault == null) {
            throw new IllegalArgumentException("arm(command, bytes >= 0, fault) with a command name and a fault");
        }
        this.trigger = command;
        this.budget = bytes;
        this.fault = fault;
        this.answer = null;
        this.fired = false;
    }

    /**
     * Arms the proxy as a hostile server: the next command sent on any connection whose bytes contain
     * {@code command} is not forwarded (the read that holds it is dropped, so send it alone) and is answered with
     * {@code atOnce}, then {@code trickled} one byte every {@code gap} ({@link Duration#ZERO}: at once). Then, if
     * {@code endless}, the last byte of {@code trickled} is sent again and again at that pace until the client
     * closes (a line that never ends); else the connection is closed (a reply cut where the bytes end). Replaces an
     * arming not yet triggered.
     */
    public synchronized void answer(String command, byte[] atOnce, byte[] trickled, Duration gap, boolean endless) {
        if (command == null || command.isEmpty() || atOnce == null || trickled == null || gap == null
                || gap.isNegative() || (endless && trickled.length == 0)) {
            throw new IllegalArgumentException("answer(command, atOnce, trickled, gap >= 0, endless) with a command name,"
                    + " and bytes to trickle if endless");
        }
        this.trigger = command;
        this.answer = new Answer(atOnce.clone(), trickled.clone(), gap, endless);
        this.fired = false;
    }

    /** A hostile answer ({@link #answer}). */
    private record Answer(byte[] atOnce, byte[] trickled, Duration gap, boolean endless) {
    }

    /** Whether the armed fault was applied: the reply's budget ran out. */
    public boolean fired() {
        return fired;
    }

    /** Lets a stalled reply go on (at once, whole); a later {@link Fault#STALL} passes without waiting. */
    public void release() {
        released.countDown();
    }

    /** Closes the listener and every connection, and releases a stall; idempotent. */
    @Override
    public void close() throws IOException {
        closed = true;
        release();
        listener.close();
        sockets.forEach(RedisFaultProxy::closeQuietly);
    }

    private void acceptLoop() {
        while (!closed) {
            try {
                Socket client = listener.accept();
                Socket server = new Socket();
                server.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), target), 5000);
                sockets.add(client);
                sockets.add(server);
                Armed armed = new Armed();
                daemon("fault-proxy-up", () -> up(client, server, armed));
                daemon("fault-proxy-down", () -> down(server, client, armed));
            } catch (IOException e) {
                return;
            }
        }
    }

    /** One client connection: whether the armed command passed on it, and its reply's budget and fault. */
    private static final class Armed {
        volatile boolean armed;
        long left;
        Fault fault;
    }

    private void up(Socket client, Socket server, Armed connection) {
        byte[] buffer = new byte[1 << 16];
        try (InputStream in = client.getInputStream(); OutputStream out = server.getOutputStream()) {
            for (int n; (n = in.read(buffer)) > 0; ) {
                Answer hostile = null;
                synchronized (this) {
                    if (trigger != null && new String(buffer, 0, n, StandardCharsets.ISO_8859_1).contains(trigger)) {
                        connection.left = budget;
                        connection.fault = fault;
                        connection.armed = answer == null;
                        hostile = answer;
                        trigger = null;
                        answer = null;
                    }
                }
                if (hostile != null) {
                    fired = true;
                    play(hostile, client);
                    break; // not endless: the connection is closed where the reply ends
                }
                out.write(buffer, 0, n);
                out.flush();
            }
        } catch (IOException e) {
            // the other side closed
        }
        closeQuietly(client, server);
    }

    private void down(Socket server, Socket client, Armed connection) {
        byte[] buffer = new byte[1 << 16];
        try (InputStream in = server.getInputStream(); OutputStream out = client.getOutputStream()) {
            for (int n; (n = in.read(buffer)) > 0; ) {
                if (!connection.armed) {
                    out.write(buffer, 0, n);
                    out.flush();
                    continue;
                }
                int pass = (int) Math.min(n, connection.left);
                out.write(buffer, 0, pass);
                out.flush();
                connection.left -= pass;
                if (connection.left > 0) {
                    continue;
                }
                fired = true;
                if (connection.fault == Fault.CUT) {
                    break;
                }
                if (connection.fault == Fault.STALL) {
                    released.await();
                    connection.armed = false; // the rest of the connection passes
                    out.write(buffer, pass, n - pass);
                    out.flush();
                    continue;
                }
                // TRICKLE: the budget stays spent, so every later read of this connection trickles too
                for (int i = pass; i < n && !closed; i++) {
                    Thread.sleep(1000);
                    out.write(buffer[i]);
                    out.flush();
                }
            }
        } catch (IOException | InterruptedException e) {
            // the other side closed
        }
        closeQuietly(client, server);
    }

    private void play(Answer hostile, Socket socket) throws IOException {
        OutputStream client = socket.getOutputStream();
        long gap = hostile.gap().toMillis();
        client.write(hostile.atOnce());
        client.flush();
        byte[] trickled = hostile.trickled();
        if (gap == 0) {
            client.write(trickled);
        } else {
            for (byte b : trickled) {
                pause(gap);
                client.write(b);
                client.flush();
            }
        }
        if (!hostile.endless()) {
            client.flush();
            socket.shutdownOutput(); // an orderly end of stream after the bytes, not a reset that may discard them
            return;
        }
        byte[] filler = new byte[gap == 0 ? 1 << 16 : 1];
        Arrays.fill(filler, trickled[trickled.length - 1]);
        while (!closed) {
            pause(gap);
            client.write(filler);
            client.flush();
        }
        client.flush();
    }

    private static void pause(long millis) throws IOException {
        if (millis == 0) {
            return;
        }
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }

    private static void closeQuietly(Socket... sockets) {
        for (Socket socket : sockets) {
            try {
                socket.close();
            } catch (IOException e) {
                // closing anyway
            }
        }
    }

    private static void daemon(String name, Runnable body) {
        Thread thread = new Thread(body, name);
        thread.setDaemon(true);
        thread.start();
    }
}
