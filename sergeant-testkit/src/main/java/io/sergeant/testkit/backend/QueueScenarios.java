package io.sergeant.testkit.backend;

import io.sergeant.api.Priority;
import io.sergeant.api.QueueStats;
import io.sergeant.api.config.DeliveryMode;
import io.sergeant.spi.backend.Backend;
import io.sergeant.spi.backend.Delivery;
import io.sergeant.spi.backend.DeliveryOptions;
import io.sergeant.spi.backend.SettleResult;
import io.sergeant.testkit.execution.Concurrently;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

/**
 * The queue role ({@link io.sergeant.spi.backend.Backend}): every backend plays it. Tests in both delivery
 * modes run the at-least-once half only on a backend with the lease role.
 *
 * <p>Run as a {@code @Nested} class of {@link BackendCompatibilitySuite}; see {@link RoleScenarios}.
 */
abstract class QueueScenarios extends RoleScenarios {

    QueueScenarios(BackendCompatibilitySuite suite) {
        super(suite);
    }

    @ParameterizedTest
    @EnumSource(DeliveryMode.class)
    @DisplayName("one pushed task is popped once, byte for byte, then the queue is empty")
    void pushAndPopOne(DeliveryMode mode) {
        String queue = name("q");
        backend.push(queue, List.of(bytes("only")), Priority.NORMAL, null);
        assertThat(backend.length(queue, false)).isEqualTo(1);

        List<Delivery> popped = backend.pop(queue, 1, options(mode));
        assertThat(popped).hasSize(1);
        assertThat(text(popped.get(0).payload())).isEqualTo("only");
        assertThat(popped.get(0).leased()).isEqualTo(mode == DeliveryMode.AT_LEAST_ONCE);
        settle(queue, popped);

        assertThat(backend.pop(queue, 1, options(mode))).isEmpty();
        assertThat(backend.length(queue, true)).isZero();
    }

    @ParameterizedTest
    @EnumSource(DeliveryMode.class)
    @DisplayName("a bulk push pops back in insertion order, a pop takes at most max, an empty queue pops nothing")
    void pushAndPopBulk(DeliveryMode mode) {
        String queue = name("q");
        List<String> pushed = texts("t", 10);
        backend.push(queue, encode(pushed), Priority.NORMAL, null);
        assertThat(backend.length(queue, false)).isEqualTo(10);

        List<String> first = popTexts(queue, 4, mode);
        assertThat(first).hasSize(4);
        List<String> rest = popTexts(queue, 100, mode);
        assertThat(rest).hasSize(6);
        List<String> all = new ArrayList<>(first);
        all.addAll(rest);
        assertOrder(all, pushed);
        assertThat(backend.pop(queue, 10, options(mode))).isEmpty();
    }

    @Test
    @DisplayName("pushing an empty list is a no-op")
    void pushEmptyList() {
        String queue = name("q");
        backend.push(queue, List.of(), Priority.NORMAL, null);
        backend.push(queue, List.of(), Priority.HIGH, Instant.now().plusSeconds(60));
        assertThat(backend.length(queue, true)).isZero();
    }

    @ParameterizedTest
    @EnumSource(DeliveryMode.class)
    @DisplayName("queues are independent: a pop never takes another queue's task")
    void queuesAreIndependent(DeliveryMode mode) {
        String a = name("qa");
        String b = name("qb");
        backend.push(a, List.of(bytes("a")), Priority.NORMAL, null);
        assertThat(backend.pop(b, 10, options(mode))).isEmpty();
        assertThat(backend.length(b, true)).isZero();
        assertThat(popTexts(a, 10, mode)).containsExactly("a");
    }

    @Test
    @DisplayName("length counts due tasks, and delayed ones too with includeDelayed")
    void lengthWithAndWithoutDelayed() {
        String queue = name("q");
        backend.push(queue, encode(texts("now", 2)), Priority.NORMAL, null);
        backend.push(queue, encode(texts("high", 1)), Priority.HIGH, null);
        backend.push(queue, encode(texts("later", 3)), Priority.NORMAL, Instant.now().plusSeconds(3600));
        assertThat(backend.length(queue, false)).isEqualTo(3);
        assertThat(backend.length(queue, true)).isEqualTo(6);
    }

    @ParameterizedTest
    @EnumSource(DeliveryMode.class)
    @DisplayName("HIGH tasks are delivered before NORMAL ones; NORMAL ones in insertion order")
    void highBeforeNormal(DeliveryMode mode) {
        String queue = name("q");
        backend.push(queue, encode(List.of("n1", "n2")), Priority.NORMAL, null);
        backend.push(queue, encode(List.of("h1", "h2")), Priority.HIGH, null);
        backend.push(queue, encode(List.of("n3")), Priority.NORMAL, null);
        backend.push(queue, encode(List.of("h3")), Priority.HIGH, null);

        // The first batch mixes both priorities, so its own order is checked, not only the batches' order.
        List<String> popped = popTexts(queue, 4, mode);
        popped.addAll(popTexts(queue, 10, mode));
        assertThat(popped).hasSize(6);
        if (!singleNode()) {
            assertThat(popped).containsExactlyInAnyOrder("h1", "h2", "h3", "n1", "n2", "n3");
            return;
        }
        assertThat(popped.subList(0, 3)).as("HIGH first").containsExactlyInAnyOrder("h1", "h2", "h3");
        if (highPriorityIsFifo()) {
            assertThat(popped.subList(0, 3)).containsExactly("h1", "h2", "h3");
        }
        assertThat(popped.subList(3, 6)).as("NORMAL after, in insertion order").containsExactly("n1", "n2", "n3");
    }

    @ParameterizedTest
    @EnumSource(DeliveryMode.class)
    @DisplayName("a delayed task is not deliverable before its time, and is after it")
    void delayedTaskBecomesDeliverable(DeliveryMode mode) {
        String queue = name("q");
        Instant due = Instant.now().plusMillis(800);
        backend.push(queue, List.of(bytes("delayed")), Priority.NORMAL, due);
        assertThat(backend.pop(queue, 10, options(mode))).as("popped before due").isEmpty();
        assertThat(backend.length(queue, false)).isZero();
        assertThat(backend.length(queue, true)).isEqualTo(1);
        assertThat(backend.stats(queue).delayed()).isEqualTo(1);

        List<Delivery> popped = await("the delayed task to become deliverable",
                () -> backend.pop(queue, 10, options(mode)), list -> !list.isEmpty());
        assertThat(Instant.now()).as("delivered only after its due time").isAfterOrEqualTo(due.minusMillis(50));
        assertThat(popped).extracting(d -> text(d.payload())).containsExactly("delayed");
        settle(queue, popped);
        assertThat(backend.length(queue, true)).isZero();
    }

    @ParameterizedTest
    @EnumSource(DeliveryMode.class)
    @DisplayName("a task pushed due now is counted and delivered at once, as Python Sergeant's")
    void taskDueNowIsDeliverableAtOnce(DeliveryMode mode) {
        String queue = name("q");
        List<String> missed = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            String text = "now-" + i;
            backend.push(queue, List.of(bytes(text)), Priority.NORMAL, Instant.now());
            long counted = backend.length(queue, false);
            List<String> popped = popTexts(queue, 1, mode);
            if (counted != 1 || !popped.equals(List.of(text))) {
                missed.add(text + " (counted " + counted + ", popped " + popped + ")");
            }
            // Whatever was missed must not spill into the next round.
            popTexts(queue, 10, mode);
        }
        assertThat(missed).as("tasks due now that an immediate count or pop missed").isEmpty();
    }

    @Test
    @DisplayName("on several nodes each opened backend starts its push rotation at a random node, as Python Sergeant's,"
            + " so one-task producers spread over the nodes")
    void pushRotationStartsAtARandomNode() {
        assumeFalse(singleNode(), "a single node has no push rotation");
        String queue = name("q");
        int producers = 40;
        for (int i = 0; i < producers; i++) {
            // A backend per push: forty one-task producers, as forty short-lived processes.
            try (Backend producer = openAnotherBackend()) {
                producer.push(queue, List.of(bytes("producer-" + i)), Priority.NORMAL, null);
            }
        }
        List<Long> perNode = tasksPerNode(queue);
        assertThat(perNode).as("a backend of several nodes overrides tasksPerNode(queue)").isNotNull().hasSizeGreaterThan(1);
        assertThat(perNode.stream().mapToLong(Long::longValue).sum()).as("tasks over all nodes").isEqualTo(producers);
        // Started at node 0 every time, all forty land on one node; with a random start, a node is left
        // empty with a chance of n * ((n - 1) / n)^40 (about 2e-12 for two nodes, 3e-7 for three).
        assertThat(perNode).as("tasks per node").allSatisfy(count -> assertThat(count).isPositive());
        List<String> popped = new ArrayList<>();
        for (int round = 0; round < 5 && popped.size() < producers; round++) {
            popped.addAll(popTexts(queue, producers, DeliveryMode.AT_MOST_ONCE));
        }
        assertThat(popped).as("every producer's task, once").hasSize(producers).doesNotHaveDuplicates();
    }

    @ParameterizedTest
    @EnumSource(DeliveryMode.class)
    @DisplayName("immediate tasks come before due delayed ones, whatever their priority")
    void immediateBeforeDueDelayed(DeliveryMode mode) {
        String queue = name("q");
        backend.push(queue, encode(List.of("d1", "d2")), Priority.HIGH, Instant.now().plusMillis(300));
        await("the delayed tasks to become due", () -> backend.length(queue, false), n -> n == 2);
        backend.push(queue, encode(List.of("n1")), Priority.NORMAL, null);
        backend.push(queue, encode(List.of("h1")), Priority.HIGH, null);
        assertThat(backend.length(queue, false)).isEqualTo(4);
        assertThat(backend.stats(queue).ready()).isEqualTo(4);

        List<String> popped = popTexts(queue, 10, mode);
        if (!singleNode()) {
            assertThat(popped).containsExactlyInAnyOrder("h1", "n1", "d1", "d2");
            return;
        }
        assertThat(popped.subList(0, 2)).as("immediate first").containsExactly("h1", "n1");
        assertThat(popped.subList(2, 4)).as("then due delayed").containsExactlyInAnyOrder("d1", "d2");
    }

    @ParameterizedTest
    @EnumSource(DeliveryMode.class)
    @DisplayName("bulkSize() tasks (10,000 by default) pushed in one call are popped in order, each once")
    void bulkTenThousand(DeliveryMode mode) {
        String queue = name("q");
        List<String> pushed = texts("bulk", bulkSize());
        backend.push(queue, encode(pushed), Priority.NORMAL, null);
        assertThat(backend.length(queue, false)).isEqualTo(pushed.size());

        List<String> popped = new ArrayList<>();
        for (int round = 0; round < 2 * (pushed.size() / 1000 + 1) && popped.size() < pushed.size(); round++) {
            popped.addAll(popTexts(queue, 1000, mode));
        }
        assertOrder(popped, pushed);
        assertThat(backend.length(queue, true)).isZero();
        assertThat(backend.stats(queue)).isEqualTo(new QueueStats(0, 0, 0, 0));
    }

    @ParameterizedTest
    @EnumSource(DeliveryMode.class)
    @DisplayName("4 threads popping 4/5 of bulkSize() tasks (8,000 by default) concurrently get each task exactly once")
    void concurrentPopsNeverShareATask(DeliveryMode mode) throws Exception {
        DeliveryOptions popOptions = options(mode); // on the test thread: it may skip the test
        String queue = name("q");
        int threads = 4;
        List<String> pushed = texts("c", threads * (bulkSize() / 5));
        backend.push(queue, encode(pushed), Priority.NORMAL, null);

        Map<String, Integer> seen = new ConcurrentHashMap<>();
        List<Integer> popped = Concurrently.run(threads, maxWait().multipliedBy(4), thread -> {
            int mine = 0;
            while (true) {
                List<Delivery> batch = backend.pop(queue, 25, popOptions);
                if (batch.isEmpty()) {
                    return mine;
                }
                for (Delivery d : batch) {
                    seen.merge(text(d.payload()), 1, Integer::sum);
                }
                if (mode == DeliveryMode.AT_LEAST_ONCE) {
                    SettleResult acked = leases.ack(queue, receipts(batch));
                    assertThat(acked.refused()).isEmpty();
                    assertThat(acked.settled()).isEqualTo(batch.size());
                }
                mine += batch.size();
            }
        });
        assertThat(popped.stream().mapToInt(Integer::intValue).sum()).isEqualTo(pushed.size());
        assertThat(seen.keySet()).isEqualTo(new HashSet<>(pushed));
        assertThat(seen.values()).allMatch(count -> count == 1, "each task delivered exactly once");
        assertThat(backend.stats(queue)).isEqualTo(new QueueStats(0, 0, 0, 0));
    }
}
