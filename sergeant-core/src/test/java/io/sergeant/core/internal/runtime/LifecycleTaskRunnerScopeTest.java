package io.sergeant.core.internal.runtime;

import io.sergeant.api.Task;
import io.sergeant.api.config.LoggingEvents;
import io.sergeant.api.config.WorkerConfig;
import io.sergeant.api.worker.Worker;
import io.sergeant.core.internal.observe.ListenerChain;
import io.sergeant.spi.execution.Outcome;
import io.sergeant.spi.execution.TaskControl;
import io.sergeant.spi.execution.TaskResult;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.slf4j.MDC;
import org.slf4j.helpers.BasicMDCAdapter;
import org.slf4j.spi.MDCAdapter;

import java.lang.reflect.Method;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What a task sees of its context while the runner runs it, alone ({@link LifecycleTaskRunner#run}) and
 * several in a row on one thread ({@link LifecycleTaskRunner#runSeveral}, as the thread executor runs a
 * batch): in every hook, the MDC's {@code queue} entry is the queue and the scope holds the task and the hook's
 * phase; after the task (alone) or after {@code runSeveral}, the entry is gone and the scope is empty. Every
 * task of a {@code runSeveral} starts with the entry set, even when the task before it removed or changed it.
 *
 * <p>This module's tests log through slf4j-simple, whose MDC keeps nothing; the tests install SLF4J's own
 * working {@link BasicMDCAdapter} (what a logging backend with an MDC gives) and put the previous one back.
 */
class LifecycleTaskRunnerScopeTest {

    private static final String QUEUE = "mail";
    private static MDCAdapter previous;

    private final TaskScope scope = new TaskScope();
    /** One line per hook call: hook, task id, the MDC's queue entry, the scope's task id and phase. */
    private final List<String> seen = new ArrayList<>();
    /** What {@code work} does to the MDC, by task id. */
    private final Map<Long, Consumer<String>> inWork = Map.of(
            2L, key -> MDC.remove(key),
            3L, key -> MDC.put(key, "another"));
    private final LifecycleTaskRunner runner = new LifecycleTaskRunner(new Worker() {
        @Override
        public WorkerConfig config() {
            return WorkerConfig.builder(QUEUE).build();
        }

        @Override
        public void preWork(Task task) {
            record("preWork", task);
        }

        @Override
        public Object work(Task task) {
            record("work", task);
            inWork.getOrDefault(id(task), key -> { }).accept("queue");
            return null;
        }

        @Override
        public void postWork(Task task, boolean success, Throwable exception) {
            record("postWork", task);
        }

        @Override
        public void onSuccess(Task task, Object returnedValue) {
            record("onSuccess", task);
        }
    }, scope, LoggingEvents.DEFAULT, QUEUE, ListenerChain.EMPTY);

    @BeforeAll
    static void installWorkingMdc() throws ReflectiveOperationException {
        previous = MDC.getMDCAdapter();
        setMdcAdapter(new BasicMDCAdapter());
        MDC.put("probe", "kept");
        assertThat(MDC.get("probe")).as("a working MDC").isEqualTo("kept");
        MDC.remove("probe");
    }

    @AfterAll
    static void restoreMdc() throws ReflectiveOperationException {
        setMdcAdapter(previous);
    }

    private static void setMdcAdapter(MDCAdapter adapter) throws ReflectiveOperationException {
        Method set = MDC.class.getDeclaredMethod("setMDCAdapter", MDCAdapter.class);
        set.setAccessible(true);
        set.invoke(null, adapter);
    }

    @AfterEach
    void clearMdc() {
        MDC.clear();
    }

    @Test
    void aTaskRunAloneSeesItsQueueAndPhasesAndLeavesNothingBehind() {
        TaskResult result = runner.run(task(1), TaskControl.NONE);

        assertThat(result.outcome()).isEqualTo(Outcome.SUCCESS);
        assertThat(seen).containsExactly(
                "preWork 1 queue=mail task=1 PRE_WORK",
                "work 1 queue=mail task=1 WORK",
                "postWork 1 queue=mail task=1 POST_WORK",
                "onSuccess 1 queue=mail task=1 ON_SUCCESS");
        assertThat(MDC.get("queue")).isNull();
        assertThat(scope.task()).isEmpty();
        assertThat(scope.phase()).isEqualTo(Phase.NONE);
    }

    @Test
    void tasksRunSeveralInARowEachStartWithTheQueueWhateverTheLastDidToIt() {
        List<String> between = new ArrayList<>();
        runner.runSeveral(() -> {
            for (long id = 1; id <= 4; id++) {
                assertThat(runner.run(task(id), TaskControl.NONE).outcome()).isEqualTo(Outcome.SUCCESS);
                between.add(scope.task().isPresent() + " " + scope.phase());
            }
        });

        for (long id = 1; id <= 4; id++) {
            // Task 2 removed the entry and task 3 changed it in work: their postWork and handler see that (as
            // before runSeveral), and the next task starts with the queue again.
            String after = id == 2 ? "null" : id == 3 ? "another" : "mail";
            assertThat(seen).containsSubsequence(
                    "preWork " + id + " queue=mail task=" + id + " PRE_WORK",
                    "work " + id + " queue=mail task=" + id + " WORK",
                    "postWork " + id + " queue=" + after + " task=" + id + " POST_WORK",
                    "onSuccess " + id + " queue=" + after + " task=" + id + " ON_SUCCESS");
        }
        assertThat(seen).hasSize(16);
        assertThat(between).containsOnly("false NONE");
        assertThat(MDC.get("queue")).as("the entry after runSeveral").isNull();
        assertThat(scope.task()).isEmpty();
    }

    @Test
    void nestedRunSeveralAndAReportedKillKeepTheEntryForTheNextTask() {
        runner.runSeveral(() -> {
            runner.runSeveral(() -> runner.run(task(1), TaskControl.NONE));
            // The inner call ended inside the outer one: the next task still starts with the entry.
            runner.reportKilled(task(5), false, "its child died");
            assertThat(MDC.get("queue")).as("after a reported kill").isNull();
            runner.run(task(4), TaskControl.NONE);
        });

        assertThat(seen).contains("work 1 queue=mail task=1 WORK", "postWork 5 queue=mail task=5 POST_WORK",
                "work 4 queue=mail task=4 WORK");
        assertThat(MDC.get("queue")).isNull();
    }

    @Test
    void anEntryPutBeforeRunSeveralIsReplacedAndRemovedAsARunAloneDoes() {
        MDC.put("queue", "set-by-the-caller");

        runner.runSeveral(() -> runner.run(task(1), TaskControl.NONE));

        assertThat(seen).contains("work 1 queue=mail task=1 WORK");
        assertThat(MDC.get("queue")).isNull();
    }

    private void record(String hook, Task task) {
        seen.add(hook + " " + id(task) + " queue=" + MDC.get("queue") + " task="
                + scope.task().map(LifecycleTaskRunnerScopeTest::id).orElse(null) + " " + scope.phase());
    }

    private static long id(Task task) {
        return ((Number) task.kwargs().get("id")).longValue();
    }

    private static Task task(long id) {
        return Task.of(Map.of("id", id));
    }
}
