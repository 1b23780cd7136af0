package io.sergeant.backend.local;

import io.sergeant.api.Priority;
import io.sergeant.spi.PluginContext;
import io.sergeant.spi.backend.Backend;
import io.sergeant.spi.backend.BackendSpec;
import io.sergeant.spi.backend.Delivery;
import io.sergeant.spi.backend.DeliveryOptions;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A second process on the same file, started by the tests with {@code java -cp <test classpath>}.
 * Usage: {@code SecondProcessMain <file> <queue> <role> [count]}; roles:
 * <ul>
 *   <li>{@code drain}: pops leased batches and acks them until the queue stays empty, printing each payload;</li>
 *   <li>{@code push <count>}: pushes {@code child-0..count-1} in batches of 100, then prints {@code done};</li>
 *   <li>{@code lease-forever}: pops leased batches in a loop without ever acking (killed by the test), printing
 *       {@code leased} after its first pop;</li>
 *   <li>{@code push-forever}: pushes batches of 100 in a loop (killed by the test), printing {@code pushed} after
 *       its first batch.</li>
 * </ul>
 * It prints {@code ready} once the backend is open.
 */
public final class SecondProcessMain {

    private SecondProcessMain() {
    }

    public static void main(String[] args) throws Exception {
        String file = args[0];
        String queue = args[1];
        String role = args[2];
        PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        try (Backend backend = new LocalBackendFactory().create(new BackendSpec("sqlite:" + file, Map.of()),
                PluginContext.defaults())) {
            out.println("ready");
            switch (role) {
                case "drain" -> drain(backend, queue, out);
                case "push" -> push(backend, queue, Integer.parseInt(args[3]), out);
                case "lease-forever" -> {
                    boolean announced = false;
                    while (true) {
                        boolean leased = !whileBusy(() -> backend.pop(queue, 50,
                                DeliveryOptions.leased(Duration.ofSeconds(1), 100))).isEmpty();
                        if (leased && !announced) {
                            out.println("leased");
                            announced = true;
                        }
                    }
                }
                case "push-forever" -> {
                    for (int batch = 0; ; batch++) {
                        int number = batch;
                        whileBusy(() -> {
                            backend.push(queue, batch(queue + "-" + number, 100), Priority.NORMAL, null);
                            return null;
                        });
                        if (batch == 0) {
                            out.println("pushed");
                        }
                    }
                }
                default -> throw new IllegalArgumentException("unknown role " + role);
            }
        }
    }

    private static void drain(Backend backend, String queue, PrintStream out) throws InterruptedException {
        int emptyPolls = 0;
        while (emptyPolls < 20) {
            List<Delivery> batch = whileBusy(() -> backend.pop(queue, 20, DeliveryOptions.leased(Duration.ofSeconds(60), 10)));
            if (batch.isEmpty()) {
                emptyPolls++;
                Thread.sleep(25);
                continue;
            }
            emptyPolls = 0;
            StringBuilder lines = new StringBuilder();
            List<io.sergeant.spi.backend.Receipt> receipts = new ArrayList<>();
            for (Delivery d : batch) {
                lines.append(new String(d.payload(), StandardCharsets.UTF_8)).append('\n');
                receipts.add(d.receipt());
            }
            out.print(lines);
            out.flush();
            if (whileBusy(() -> backend.leaseRole().orElseThrow().ack(queue, receipts)).settled() != batch.size()) {
                throw new IllegalStateException("an ack was refused");
            }
        }
        out.println("done");
    }

    /**
     * Runs {@code call} again while it fails with {@code BACKEND_UNAVAILABLE}, as a worker does: with the
     * rollback journal, another process can hold SQLite's lock for longer than busyTimeout on a loaded machine.
     */
    static <T> T whileBusy(java.util.function.Supplier<T> call) {
        for (int attempt = 1; ; attempt++) {
            try {
                return call.get();
            } catch (io.sergeant.api.SergeantException e) {
                if (e.code() != io.sergeant.api.ErrorCode.BACKEND_UNAVAILABLE || attempt == 20) {
                    throw e;
                }
            }
        }
    }

    private static void push(Backend backend, String queue, int count, PrintStream out) {
        for (int start = 0; start < count; start += 100) {
            List<byte[]> items = new ArrayList<>();
            for (int i = start; i < Math.min(count, start + 100); i++) {
                items.add(("child-" + i).getBytes(StandardCharsets.UTF_8));
            }
            backend.push(queue, items, Priority.NORMAL, null);
        }
        out.println("done");
    }

    private static List<byte[]> batch(String prefix, int size) {
        List<byte[]> items = new ArrayList<>(size);
        for (int i = 0; i < size; i++) {
            items.add((prefix + "-" + i).getBytes(StandardCharsets.UTF_8));
        }
        return items;
    }
}
