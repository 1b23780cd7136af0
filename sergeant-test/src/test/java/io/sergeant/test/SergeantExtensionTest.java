package io.sergeant.test;

import io.sergeant.api.Task;
import io.sergeant.api.config.WorkerConfig;
import io.sergeant.api.worker.Worker;
import io.sergeant.core.worker.RunSummary;
import io.sergeant.test.memory.MemoryStores;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** What a user's test does with the extension: push, run synchronously, assert. */
@ExtendWith(SergeantExtension.class)
class SergeantExtensionTest {

    @Test
    @DisplayName("pushed tasks are done by the worker when run returns")
    void pushRunAssert(SergeantTester sergeant) {
        List<String> sent = new CopyOnWriteArrayList<>();
        EmailWorker worker = new EmailWorker(sent);
        sergeant.push(worker, Map.of("email", "ada@example.com"));
        sergeant.push(worker, Map.of("email", "alan@example.com"));

        RunSummary summary = sergeant.run(worker);

        assertThat(sent).containsExactly("ada@example.com", "alan@example.com");
        assertThat(sergeant.pending(worker)).isZero();
        assertThat(summary.outcomes()).containsEntry("success", 2L);
        assertThat(sergeant.backend()).startsWith("memory:test-");
    }

    @Test
    @DisplayName("a retried task runs again within the same run call, up to maxRetries")
    void retries(SergeantTester sergeant) {
        List<String> attempts = new CopyOnWriteArrayList<>();
        Worker flaky = new Worker() {
            @Override
            public WorkerConfig config() {
                return WorkerConfig.builder("flaky").maxRetries(2).build();
            }

            @Override
            public Object work(Task task) {
                attempts.add("run " + task.runCount());
                throw new IllegalStateException("mail server down");
            }

            @Override
            public void onFailure(Task task, Exception exception) {
                retry(task);
            }

            @Override
            public void onMaxRetries(Task task) {
                attempts.add("gave up");
            }
        };
        sergeant.push(flaky, Map.of("n", 1));

        sergeant.run(flaky);

        assertThat(attempts).containsExactly("run 0", "run 1", "run 2", "gave up");
    }

    @Test
    @DisplayName("running with nothing pushed is a mistake the tester reports")
    void nothingToRun(SergeantTester sergeant) {
        assertThatThrownBy(() -> sergeant.run(new EmailWorker(new CopyOnWriteArrayList<>())))
                .isInstanceOf(AssertionError.class).hasMessageContaining("nothing to run").hasMessageContaining("emails");
    }

    @Test
    @DisplayName("each test has a store of its own, dropped afterwards")
    void storesAreDropped(SergeantTester sergeant) {
        EmailWorker worker = new EmailWorker(new CopyOnWriteArrayList<>());
        sergeant.push(worker, Map.of("email", "x@example.com"));
        String name = sergeant.backend().substring("memory:".length());
        assertThat(MemoryStores.names()).contains(name);
        sergeant.close();
        assertThat(MemoryStores.names()).doesNotContain(name);
    }

    /** A user's worker. */
    static final class EmailWorker extends Worker {
        private final List<String> sent;

        EmailWorker(List<String> sent) {
            this.sent = sent;
        }

        @Override
        public WorkerConfig config() {
            return WorkerConfig.builder("emails").backend("redis://mail-queue.internal:6379/0").build();
        }

        @Override
        public Object work(Task task) {
            sent.add((String) task.kwargs().get("email"));
            return null;
        }
    }
}
