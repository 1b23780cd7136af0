package io.sergeant.it.reliability;

import io.sergeant.api.Broker;
import io.sergeant.api.config.DeliveryMode;
import io.sergeant.core.Sergeant;

import java.nio.file.Path;

/**
 * A producer process for the multi-process tests:
 * {@code ProducerMain <backend> <historyDir> <prefix> <count> <batch> <pauseMillis>}. Pushes like
 * {@link Producer}, recording its attempts and acknowledged pushes in a history file of its own, and
 * exits 0 when done. Meant to be killed at any moment.
 */
public final class ProducerMain {

    private ProducerMain() {
    }

    /** Runs the producer; exits 0 when its plan is done, 1 on a failure. */
    public static void main(String[] args) throws Exception {
        if (args.length != 6) {
            System.err.println("usage: ProducerMain <backend> <historyDir> <prefix> <count> <batch> <pauseMillis>");
            System.exit(2);
        }
        Path history = Path.of(args[1]);
        Producer.Plan plan = new Producer.Plan(args[2], Integer.parseInt(args[3]), Integer.parseInt(args[4]),
                Long.parseLong(args[5]), 4, 0);
        try (Broker broker = Sergeant.create().broker(HistoryWorker.baseConfig().backend(args[0])
                .delivery(DeliveryMode.AT_LEAST_ONCE).build());
             HistoryLog log = HistoryLog.open(history, "producer")) {
            Producer producer = new Producer(broker, log, plan, args[2].hashCode()).start();
            producer.await(600_000);
        }
        System.exit(0);
    }
}
