package io.sergeant.backend.redis;

import io.sergeant.api.ErrorCode;
import io.sergeant.api.Priority;
import io.sergeant.api.SergeantException;
import io.sergeant.spi.backend.Backend;
import io.sergeant.spi.backend.BackendLeases;
import io.sergeant.spi.backend.Delivery;
import io.sergeant.spi.backend.DeliveryOptions;
import io.sergeant.testkit.servers.RedisServerProcess;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;

import static io.sergeant.backend.redis.RedisTestSupport.bytes;
import static io.sergeant.backend.redis.RedisTestSupport.calls;
import static io.sergeant.backend.redis.RedisTestSupport.open;
import static io.sergeant.backend.redis.RedisTestSupport.text;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/**
 * The reply of a pop cut or stalled half-way, between a real redis-server and the backend, by a loopback
 * proxy in the test that forwards everything until the pop's command passes, then forwards only part of
 * its reply and closes the connection, or goes on one byte a second (below the read timeout, so the
 * socket's timeout alone never fires). At-most-once ({@link BoundedPop}): the pop ends within about the read
 * timeout, returns the tasks read whole before the cut (the {@code LPOP} took the whole batch off the list)
 * and only the rest of the batch is lost, as docs/guarantees.md says. At-least-once: the tasks of the cut
 * reply stay leased and come back once the lease expires; none is lost.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class CutPopReplyTest {

    /** Every payload is 100 bytes, so an LPOP reply element is {@code $100\r\n} + 100 + {@code \r\n}. */
    private static final int PAYLOAD = 100;
    private static final int ELEMENT = 6 + PAYLOAD + 2;
    /** {@code *10\r\n} */
    private static final int HEADER = 5;

    @Test
    @DisplayName("at-most-once: a plain pop whose reply is cut after three payloads returns those three, and only the"
            + " other seven of the batch are lost")
    void aCutPlainPopReturnsThePayloadsReadWhole() throws Exception {
        try (RedisServerProcess server = RedisServerProcess.start();
             Proxy proxy = new Proxy(server.port());
             Backend backend = open(proxy.uri(), Map.of("timeout", "5s"))) {
            RedisTestSupport.startDraining(backend);
            backend.push("jobs", tasks(30), Priority.NORMAL, null);
            assertThat(backend.pop("jobs", 10, DeliveryOptions.AT_MOST_ONCE)).hasSize(10); // the script: draining
            long plain = calls(server, "lpop");

            proxy.arm("LPOP", HEADER + 3 * ELEMENT + 50, Proxy.Action.CUT);
            List<Delivery> cut = backend.pop("jobs", 10, DeliveryOptions.AT_MOST_ONCE);

            assertThat(calls(server, "lpop") - plain).as("the cut pop was a plain LPOP").isEqualTo(1);
            assertThat(proxy.fired()).as("the proxy cut the reply").isTrue();
            assertThat(cut).extracting(d -> text(d.payload()).trim()).as("the payloads read whole before the cut")
                    .containsExactly("t-10", "t-11", "t-12");
            List<String> after = new ArrayList<>();
            List<Delivery> popped;
            while (!(popped = backend.pop("jobs", 10, DeliveryOptions.AT_MOST_ONCE)).isEmpty()) {
                popped.forEach(d -> after.add(text(d.payload()).trim()));
            }
            assertThat(after).as("what the queue gives after it: t-13 to t-19 went with the cut reply")
                    .containsExactlyElementsOf(IntStream.range(20, 30).mapToObj(i -> "t-" + i).toList());
        }
    }

    @Test
    @DisplayName("at-most-once: a plain pop whose reply trickles in a byte a second ends within about the read timeout,"
            + " returning the payloads read whole; with nothing read whole it fails naming the loss")
    void aTricklingPlainPopEndsAtItsDeadline() throws Exception {
        try (RedisServerProcess server = RedisServerProcess.start();
             Proxy proxy = new Proxy(server.port());
             Backend backend = open(proxy.uri(), Map.of("timeout", "3s"))) {
            RedisTestSupport.startDraining(backend);
            backend.push("jobs", tasks(50), Priority.NORMAL, null);
            assertThat(backend.pop("jobs", 10, DeliveryOptions.AT_MOST_ONCE)).hasSize(10);

            proxy.arm("LPOP", HEADER + 2 * ELEMENT + 10, Proxy.Action.TRICKLE);
            long start = System.nanoTime();
            List<Delivery> slow = backend.pop("jobs", 10, DeliveryOptions.AT_MOST_ONCE);
            long seconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start);
            // Without a deadline the reply's 850 bytes left would take 850 s at a byte a second.
            assertThat(seconds).as("seconds the trickling pop took (read timeout 3 s)").isLessThan(60);
            assertThat(slow).extracting(d -> text(d.payload()).trim()).containsExactly("t-10", "t-11");

            assertThat(backend.pop("jobs", 10, DeliveryOptions.AT_MOST_ONCE)).as("a full pop by the script: draining again")
                    .hasSize(10);
            proxy.arm("LPOP", 3, Proxy.Action.TRICKLE);
            start = System.nanoTime();
            SergeantException failed = catchThrowableOfType(SergeantException.class,
                    () -> backend.pop("jobs", 10, DeliveryOptions.AT_MOST_ONCE));
            assertThat(TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start)).isLessThan(60);
            assertThat(failed).as("a pop with nothing read whole").isNotNull();
            assertThat(failed.code()).isEqualTo(ErrorCode.BACKEND_UNAVAILABLE);
            assertThat(failed.getMessage()).contains("at-most-once pop from queue 'jobs'", "within 3000 ms",
                    "are lost", "use at-least-once delivery");
        }
    }

    @Test
    @DisplayName("at-least-once: a pop whose reply is cut leaves its tasks leased; they come back once the lease expired")
    void aCutLeasedPopLosesNothing() throws Exception {
        try (RedisServerProcess server = RedisServerProcess.start();
             Proxy proxy = new Proxy(server.port());
             Backend backend = open(proxy.uri(), Map.of("timeout", "5s"))) {
            DeliveryOptions leased = DeliveryOptions.leased(Duration.ofSeconds(2), 5);
            BackendLeases leases = backend.leaseRole().orElseThrow();
            assertThat(backend.pop("jobs", 5, leased)).isEmpty(); // the script is cached: the next pop is one EVALSHA
            List<byte[]> pushed = tasks(5);
            backend.push("jobs", pushed, Priority.NORMAL, null);

            proxy.arm("EVALSHA", 40, Proxy.Action.CUT);
            SergeantException failed = catchThrowableOfType(SergeantException.class, () -> backend.pop("jobs", 5, leased));
            assertThat(proxy.fired()).as("the proxy cut the reply").isTrue();
            assertThat(failed).as("the leased pop whose reply was cut").isNotNull();
            assertThat(backend.stats("jobs").inFlight()).as("tasks leased by the cut pop").isEqualTo(5);

            List<Delivery> again = new ArrayList<>();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (again.size() < 5 && System.nanoTime() < deadline) {
                leases.reap("jobs", 5);
                again.addAll(backend.pop("jobs", 5, leased));
                Thread.sleep(100);
            }
            assertThat(again).extracting(d -> text(d.payload()).trim()).as("the tasks of the cut pop, delivered again")
                    .containsExactlyInAnyOrder("t-0", "t-1", "t-2", "t-3", "t-4");
            assertThat(again).allSatisfy(d -> assertThat(d.receipt().deliveryCount()).isEqualTo(2));
            assertThat(leases.ack("jobs", again.stream().map(Delivery::receipt).toList()).settled()).isEqualTo(5);
        }
    }

    /** {@code n} payloads {@code t-<i>}, padded with spaces to {@value #PAYLOAD} bytes. */
    private static List<byte[]> tasks(int n) {
        return IntStream.range(0, n).mapToObj(i -> bytes(String.format("%-" + PAYLOAD + "s", "t-" + i))).toList();
    }

    /**
     * A loopback TCP proxy to a real server. Armed with a command name, it lets the reply to the next command
     * containing that name through up to a byte budget, then closes the connection (CUT) or forwards the rest
     * one byte a second (TRICKLE). Everything else passes untouched.
     */
    static final class Proxy implements AutoCloseable {
        enum Action { CUT, TRICKLE }

        private final int target;
        private final ServerSocket listener;
        private final List<Socket> sockets = new CopyOnWriteArrayList<>();
        private volatile String trigger;
        private volatile int budget;
        private volatile Action action;
        private volatile boolean fired;
        private volatile boolean closed;

        Proxy(int target) throws IOException {
            this.target = target;
            this.listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
            daemon("proxy-accept", this::acceptLoop);
        }

        String uri() {
            return "redis://127.0.0.1:" + listener.getLocalPort();
        }

        synchronized void arm(String command, int bytes, Action what) {
            trigger = command;
            budget = bytes;
            action = what;
            fired = false;
        }

        boolean fired() {
            return fired;
        }

        private void acceptLoop() {
            while (!closed) {
                try {
                    Socket client = listener.accept();
                    Socket server = new Socket();
                    server.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), target), 5000);
                    sockets.add(client);
                    sockets.add(server);
                    Connection connection = new Connection();
                    daemon("proxy-up", () -> up(client, server, connection));
                    daemon("proxy-down", () -> down(server, client, connection));
                } catch (IOException e) {
                    return;
                }
            }
        }

        /** A client's connection: whether the armed command passed on it, and the budget of its reply. */
        private static final class Connection {
            volatile boolean armed;
            int left;
            Action action;
        }

        private void up(Socket client, Socket server, Connection connection) {
            byte[] buffer = new byte[1 << 16];
            try (InputStream in = client.getInputStream(); OutputStream out = server.getOutputStream()) {
                for (int n; (n = in.read(buffer)) > 0; ) {
                    synchronized (this) {
                        if (trigger != null && new String(buffer, 0, n, StandardCharsets.ISO_8859_1).contains(trigger)) {
                            connection.left = budget;
                            connection.action = action;
                            connection.armed = true;
                            trigger = null;
                        }
                    }
                    out.write(buffer, 0, n);
                    out.flush();
                }
            } catch (IOException e) {
                // the other side closed
            }
            closeQuietly(client, server);
        }

        private void down(Socket server, Socket client, Connection connection) {
            byte[] buffer = new byte[1 << 16];
            try (InputStream in = server.getInputStream(); OutputStream out = client.getOutputStream()) {
                for (int n; (n = in.read(buffer)) > 0; ) {
                    if (!connection.armed) {
                        out.write(buffer, 0, n);
                        out.flush();
                        continue;
                    }
                    int pass = Math.min(n, connection.left);
                    out.write(buffer, 0, pass);
                    out.flush();
                    connection.left -= pass;
                    if (connection.left > 0) {
                        continue;
                    }
                    fired = true;
                    if (connection.action == Action.CUT) {
                        break;
                    }
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

        @Override
        public void close() throws IOException {
            closed = true;
            listener.close();
            sockets.forEach(Proxy::closeQuietly);
        }
    }
}
