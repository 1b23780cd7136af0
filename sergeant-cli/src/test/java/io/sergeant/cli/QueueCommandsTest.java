package io.sergeant.cli;

import io.sergeant.api.Broker;
import io.sergeant.api.Priority;
import io.sergeant.api.Task;
import io.sergeant.api.config.WorkerConfig;
import io.sergeant.core.Sergeant;
import io.sergeant.core.internal.broker.DefaultBroker;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class QueueCommandsTest {

    @TempDir
    Path directory;

    private String backend() {
        return "sqlite:" + directory.resolve("queue.db");
    }

    private Broker broker() {
        return Sergeant.create().broker(WorkerConfig.builder("jobs").backend(backend()).build());
    }

    @Test
    void pushedTasksCarryTheParsedKwargs() {
        CommandRun run = CommandRun.of("push", "jobs", "--kwargs", "{\"url\": \"https://example.com\", \"n\": 3, \"x\": [1.5, null]}",
                "--count", "2", "--backend", backend());

        assertThat(run.exitCode()).as(run.toString()).isZero();
        assertThat(run.out()).contains("pushed 2 tasks to queue 'jobs'");
        try (Broker broker = broker()) {
            List<Task> tasks = broker.popTasks("jobs", 10);
            assertThat(tasks).hasSize(2);
            assertThat(tasks.get(0).kwargs()).containsEntry("url", "https://example.com").containsEntry("n", 3L);
            assertThat(tasks.get(0).kwargs().get("x")).isEqualTo(java.util.Arrays.asList(1.5, null));
            assertThat(tasks.get(0).runCount()).isZero();
        }
    }

    @Test
    void pushAcceptsIntegersUpToTwoToTheSixtyFourMinusOneLikeTheApi() {
        CommandRun run = CommandRun.of("push", "jobs", "--kwargs",
                "{\"max\": 18446744073709551615, \"big\": 9223372036854775808, \"min\": -9223372036854775808}",
                "--backend", backend());

        assertThat(run.exitCode()).as(run.toString()).isZero();
        try (Broker broker = broker()) {
            Map<String, Object> kwargs = broker.popTasks("jobs", 1).get(0).kwargs();
            assertThat(kwargs.get("max")).isEqualTo(new java.math.BigInteger("18446744073709551615"));
            assertThat(kwargs.get("big")).isEqualTo(new java.math.BigInteger("9223372036854775808"));
            assertThat(kwargs.get("min")).isEqualTo(Long.MIN_VALUE);
        }
        CommandRun tooLarge = CommandRun.of("push", "jobs", "--kwargs", "{\"n\": 18446744073709551616}", "--backend", backend());
        assertThat(tooLarge.exitCode()).as(tooLarge.toString()).isEqualTo(2);
        assertThat(tooLarge.err()).contains("outside the 64-bit range");
    }

    @Test
    void highPriorityTasksAreDeliveredFirst() {
        assertThat(CommandRun.of("push", "jobs", "--kwargs", "{\"p\": \"normal\"}", "--backend", backend()).exitCode()).isZero();
        assertThat(CommandRun.of("push", "jobs", "--kwargs", "{\"p\": \"high\"}", "--priority", "high", "--backend", backend())
                .exitCode()).isZero();

        try (Broker broker = broker()) {
            assertThat(broker.popTasks("jobs", 1).get(0).kwargs()).containsEntry("p", "high");
        }
    }

    @Test
    void statsShowsReadyAndDelayedTasksAndPurgeEmptiesTheQueue() {
        assertThat(CommandRun.of("push", "jobs", "--kwargs", "{}", "--count", "2500", "--chunk", "1000", "--backend", backend())
                .exitCode()).isZero();
        CommandRun delayed = CommandRun.of("push", "jobs", "--kwargs", "{}", "--count", "3", "--delay", "1h", "--backend", backend());
        assertThat(delayed.exitCode()).as(delayed.toString()).isZero();
        assertThat(delayed.out()).contains("deliverable from");

        CommandRun stats = CommandRun.of("stats", "jobs", "other", "--backend", backend());
        assertThat(stats.exitCode()).as(stats.toString()).isZero();
        assertThat(stats.out().lines().toList()).hasSize(3);
        assertThat(stats.out().lines().toList().get(0).split("\\s{2,}"))
                .containsExactly("QUEUE", "READY", "DELAYED", "IN FLIGHT", "DEAD LETTERS");
        assertThat(stats.out().lines().toList().get(1).trim().split("\\s+")).containsExactly("jobs", "2,500", "3", "0", "0");
        assertThat(stats.out().lines().toList().get(2).trim().split("\\s+")).containsExactly("other", "0", "0", "0", "0");

        CommandRun purge = CommandRun.of("purge", "jobs", "--backend", backend());
        assertThat(purge.exitCode()).as(purge.toString()).isZero();
        assertThat(purge.out()).contains("purged queue 'jobs' (it held 2,500 ready and 3 delayed tasks)");
        try (Broker broker = broker()) {
            assertThat(broker.numberOfEnqueuedTasks("jobs", true)).isZero();
        }
        assertThat(CommandRun.of("purge", "jobs", "--backend", backend()).out()).contains("queue 'jobs' was already empty");
    }

    @Test
    void aConfigFileNamesTheBackend() throws Exception {
        Path file = directory.resolve("sergeant.properties");
        java.nio.file.Files.writeString(file, "backend=" + backend() + "\n");
        assertThat(CommandRun.of("push", "jobs", "--kwargs", "{}", "--config", file.toString()).exitCode()).isZero();

        CommandRun stats = CommandRun.of("stats", "jobs", "--config", file.toString());

        assertThat(stats.out().lines().toList().get(1).trim().split("\\s+")).containsExactly("jobs", "1", "0", "0", "0");
    }

    @Test
    void deadLettersAreListedRequeuedAndPurged() {
        try (DefaultBroker broker = (DefaultBroker) broker()) {
            // Bytes that are not msgpack: popping them moves them to the dead letters.
            broker.backend().push("jobs", List.of(new byte[] {(byte) 0xc1}, new byte[] {(byte) 0xc1, 0x01}), Priority.NORMAL, null);
            assertThat(broker.popTasks("jobs", 10)).isEmpty();
        }

        CommandRun list = CommandRun.of("dead-letters", "jobs", "--backend", backend());
        assertThat(list.exitCode()).as(list.toString()).isZero();
        List<String> lines = list.out().lines().toList();
        assertThat(lines).hasSize(5);
        assertThat(lines.get(0)).contains("ID", "DELIVERIES", "DEAD AT", "BYTES", "REASON");
        assertThat(lines.get(1)).containsPattern("\\s1\\s").containsPattern("\\d{4}-\\d{2}-\\d{2}T");
        assertThat(lines.get(2)).startsWith("    kwargs: (cannot decode with the configured encoder");

        CommandRun limited = CommandRun.of("dead-letters", "jobs", "--limit", "1", "--backend", backend());
        assertThat(limited.out()).contains("(1 of 2; raise --limit to see more)");

        CommandRun requeue = CommandRun.of("dead-letters", "jobs", "--requeue", "--backend", backend());
        assertThat(requeue.out()).contains("requeued 2 dead letters to queue 'jobs'");
        try (Broker broker = broker()) {
            assertThat(broker.stats("jobs").ready()).isEqualTo(2);
            assertThat(broker.popTasks("jobs", 10)).isEmpty();
            assertThat(broker.stats("jobs").deadLetters()).isEqualTo(2);
        }

        CommandRun purge = CommandRun.of("dead-letters", "jobs", "--purge", "--backend", backend());
        assertThat(purge.out()).contains("purged 2 dead letters of queue 'jobs'");
        assertThat(CommandRun.of("dead-letters", "jobs", "--backend", backend()).out()).contains("queue 'jobs' has no dead letters");
    }

    @Test
    void deadLettersShowTheirDecodedKwargsWithControlCharactersEscaped() {
        try (DefaultBroker broker = (DefaultBroker) broker()) {
            broker.pushTask("mail", Map.of("to", "ann@example.com", "subject", "hi\u001b[2Jthere", "tries", 3));
            var delivery = broker.backend().pop("mail", 1, io.sergeant.spi.backend.DeliveryOptions.leased(
                    java.time.Duration.ofMinutes(1), 5)).get(0);
            assertThat(broker.backend().deadLetterRole().orElseThrow().deadLetter("mail", delivery, "smtp refused\nthe mail"))
                    .isTrue();
        }

        CommandRun list = CommandRun.of("dead-letters", "mail", "--backend", backend());

        assertThat(list.exitCode()).as(list.toString()).isZero();
        List<String> lines = list.out().lines().toList();
        assertThat(lines).hasSize(3);
        assertThat(lines.get(1)).endsWith("smtp refused the mail");
        assertThat(lines.get(2)).startsWith("    kwargs: {").contains("\"to\": \"ann@example.com\"", "\"tries\": 3",
                "\"subject\": \"hi\\u001b[2Jthere\"");
        assertThat(list.out()).doesNotContain("\u001b");
    }

    /**
     * Issue 13 §3: {@code dead-letters} loads no payload it does not print. Three dead letters of 2 MB and
     * one small one; what the listing reads from the SQLite file is measured as this JVM's read bytes
     * ({@code rchar} of {@code /proc/self/io}: SQLite reads its file with read calls, and each run opens
     * the file afresh, so no page cache of an earlier run helps). The control run shows the measure sees
     * the payloads.
     */
    @Test
    void deadLettersLoadNoPayloadTheyDoNotPrint() throws Exception {
        int size = 2 << 20;
        try (DefaultBroker broker = (DefaultBroker) broker()) {
            broker.pushTask("jobs", Map.of("small", "yes"));
            var delivery = broker.backend().pop("jobs", 1, io.sergeant.spi.backend.DeliveryOptions.leased(
                    java.time.Duration.ofMinutes(1), 5)).get(0);
            var role = broker.backend().deadLetterRole().orElseThrow();
            assertThat(role.deadLetter("jobs", delivery, "failed")).isTrue();
            for (int i = 0; i < 3; i++) {
                byte[] payload = new byte[size];
                new java.util.Random(i).nextBytes(payload);
                assertThat(role.deadLetter("jobs", new io.sergeant.spi.backend.Delivery(payload, null), "too big")).isTrue();
            }
        }
        CommandRun.of("dead-letters", "jobs", "--no-kwargs", "--backend", backend()); // loads the classes a run needs

        long before = bytesRead();
        CommandRun sizesOnly = CommandRun.of("dead-letters", "jobs", "--no-kwargs", "--backend", backend());
        long sizesOnlyCost = bytesRead() - before;
        before = bytesRead();
        CommandRun list = CommandRun.of("dead-letters", "jobs", "--backend", backend());
        long listCost = bytesRead() - before;
        before = bytesRead();
        CommandRun all = CommandRun.of("dead-letters", "jobs", "--kwargs-max-bytes", Integer.toString(size), "--backend", backend());
        long allCost = bytesRead() - before;

        assertThat(list.exitCode()).as(list.toString()).isZero();
        assertThat(list.out()).contains("\"small\": \"yes\"");
        assertThat(list.out().lines().filter(line -> line.contains("kwargs: (not loaded: 2,097,152 bytes, over --kwargs-max-bytes"))
                .count()).as(list.out()).isEqualTo(3);
        assertThat(sizesOnly.out()).doesNotContain("kwargs:").contains("2,097,152");
        assertThat(all.out()).doesNotContain("not loaded").contains("(cannot decode with the configured encoder");
        assertThat(allCost).as("the control run, which prints all four, reads their payloads").isGreaterThanOrEqualTo(3L * size);
        assertThat(listCost).as("bytes read to list 3 letters of 2 MB whose kwargs it does not print").isLessThan(size / 2);
        assertThat(sizesOnlyCost).as("bytes read to list without kwargs").isLessThan(size / 2);
    }

    /** The bytes this JVM has read so far ({@code rchar} of {@code /proc/self/io}). */
    private static long bytesRead() throws java.io.IOException {
        return java.nio.file.Files.readAllLines(Path.of("/proc/self/io")).stream().filter(line -> line.startsWith("rchar:"))
                .mapToLong(line -> Long.parseLong(line.substring(6).trim())).findFirst().orElseThrow();
    }

    @Test
    void pushWithAnUnknownSerializerIsAUsageError() {
        CommandRun run = CommandRun.of("push", "jobs", "--kwargs", "{}", "--serializer", "yaml", "--backend", backend());

        assertThat(run.exitCode()).isEqualTo(SergeantCommand.EXIT_USAGE);
        assertThat(run.err()).contains("yaml");
    }

    @Test
    void keysOfTheTaskStayInOrder() {
        assertThat(CommandRun.of("push", "jobs", "--kwargs", "{\"b\": 1, \"a\": 2}", "--backend", backend()).exitCode()).isZero();
        try (Broker broker = broker()) {
            assertThat(broker.popTasks("jobs", 1).get(0).kwargs().keySet()).containsExactly("b", "a");
        }
    }
}
