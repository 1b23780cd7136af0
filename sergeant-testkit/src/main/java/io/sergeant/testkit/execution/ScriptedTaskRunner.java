package io.sergeant.testkit.execution;

import io.sergeant.api.Task;
import io.sergeant.spi.execution.Outcome;
import io.sergeant.spi.execution.TaskControl;
import io.sergeant.spi.execution.TaskResult;
import io.sergeant.spi.execution.TaskRunner;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A test double of core's {@link TaskRunner} (not of any backend): instead of a worker's hooks it runs
 * the action a task's kwargs name, and records every run, so executor tests can count executions per
 * task, observe concurrency and see interrupts. Like core, once the work has ended it reports
 * {@link Outcome#TIMEOUT} when {@link TaskControl#timedOut()} says the killer fired, whatever the work did.
 *
 * <p>Kwargs: {@code id} (an integer, required), {@code action} (required), {@code millis} (for
 * {@code sleep} and {@code spin}), {@code outcome} (for {@code outcome}). Actions:
 * <ul>
 *   <li>{@code succeed}: returns {@link Outcome#SUCCESS};</li>
 *   <li>{@code fail}: the work throws; {@link Outcome#FAILURE} with the exception as error;</li>
 *   <li>{@code sleep}: {@link Thread#sleep} for {@code millis}; an interrupt ends it as a failure
 *       (a timeout when the killer fired), as an interrupted {@code work} would;</li>
 *   <li>{@code spin}: a busy loop of {@code millis} that never looks at its interrupt flag, the Java
 *       analogue of a task stuck in native code; it still ends, so a test leaves no spinning thread;</li>
 *   <li>{@code outcome}: returns the {@link Outcome} named by {@code outcome} (as a handler would);</li>
 *   <li>{@code crash}: the runner itself throws {@link IllegalStateException} instead of returning,
 *       an unexpected runner failure the executor must absorb.</li>
 * </ul>
 * A malformed task (no id, unknown action) makes the runner throw {@link IllegalArgumentException}.
 *
 * <p>Runs are recorded in a {@link RunJournal}: in memory by default, or in a file shared with the
 * runners of other processes ({@link #ScriptedTaskRunner(Path)}), so that the accessors of a runner in the
 * test JVM also see the runs of tasks an executor sent to child processes (where a
 * {@link ScriptedRunnerHost} hosts a runner on the same file).
 *
 * <p>Thread safe; the accessors return snapshots.
 */
public final class ScriptedTaskRunner implements TaskRunner {

    /** Kwarg holding the task's integer id. */
    public static final String ID = "id";
    /** Kwarg holding the action. */
    public static final String ACTION = "action";
    /** Kwarg holding the duration of {@code sleep} and {@code spin}, in milliseconds. */
    public static final String MILLIS = "millis";
    /** Kwarg holding the outcome name of the {@code outcome} action. */
    public static final String OUTCOME = "outcome";

    /** The error of a timed-out task's result. */
    public static final String TIMEOUT_ERROR = "TaskTimedOut: the task passed its timeout";

    /**
     * One run of a task.
     *
     * @param id                 the task id
     * @param threadName         the thread that ran it
     * @param daemon             whether that thread is a daemon
     * @param interruptedAtStart whether that thread's interrupt flag was already set when the run began
     * @param interrupted        whether the work was interrupted (a {@code sleep} that ended early)
     * @param outcome            the outcome returned, or null when the runner threw
     * @param pid                the process that ran it
     */
    public record Run(int id, String threadName, boolean daemon, boolean interruptedAtStart, boolean interrupted,
                      Outcome outcome, long pid) {

        /** A run in this process. */
        public Run(int id, String threadName, boolean daemon, boolean interruptedAtStart, boolean interrupted,
                   Outcome outcome) {
            this(id, threadName, daemon, interruptedAtStart, interrupted, outcome, ProcessHandle.current().pid());
        }
    }

    /**
     * One call of {@link #reportKilled}.
     *
     * @param id       the task id
     * @param timedOut as passed
     * @param reason   as passed
     */
    public record KilledReport(int id, boolean timedOut, String reason) {
    }

    private final RunJournal journal;

    /** Creates a runner that records in memory, with nothing recorded. */
    public ScriptedTaskRunner() {
        this(RunJournal.inMemory());
    }

    /**
     * Creates a runner that records in this file (created on the first run), shared with runners in other
     * processes; its accessors report the runs of all of them.
     */
    public ScriptedTaskRunner(Path journal) {
        this(RunJournal.inFile(journal));
    }

    private ScriptedTaskRunner(RunJournal journal) {
        this.journal = journal;
    }

    /** A task that succeeds. */
    public static Task succeed(int id) {
        return task(id, "succeed", Map.of());
    }

    /** A task whose work throws. */
    public static Task fail(int id) {
        return task(id, "fail", Map.of());
    }

    /** A task that sleeps, answering interrupts. */
    public static Task sleep(int id, long millis) {
        return task(id, "sleep", Map.of(MILLIS, millis));
    }

    /** A task that spins for {@code millis}, ignoring interrupts. */
    public static Task spin(int id, long millis) {
        return task(id, "spin", Map.of(MILLIS, millis));
    }

    /** A task whose run ends with the given outcome. */
    public static Task outcome(int id, Outcome outcome) {
        return task(id, "outcome", Map.of(OUTCOME, outcome.name()));
    }

    /** A task that makes the runner itself throw. */
    public static Task crash(int id) {
        return task(id, "crash", Map.of());
    }

    private static Task task(int id, String action, Map<String, Object> extra) {
        Map<String, Object> kwargs = new LinkedHashMap<>();
        kwargs.put(ID, id);
        kwargs.put(ACTION, action);
        kwargs.putAll(extra);
        return Task.of(kwargs);
    }

    /**
     * Runs the task's action on the calling thread.
     *
     * @throws IllegalArgumentException for a malformed task
     * @throws IllegalStateException    for the {@code crash} action
     */
    @Override
    public TaskResult run(Task task, TaskControl control) {
        Objects.requireNonNull(task, "task is null");
        Objects.requireNonNull(control, "control is null");
        int id = id(task);
        String action = string(task, ACTION);
        Thread thread = Thread.currentThread();
        boolean interruptedAtStart = thread.isInterrupted();
        journal.started(id);
        Outcome outcome = null;
        boolean interrupted = false;
        try {
            if (action.equals("crash")) {
                throw new IllegalStateException("scripted crash of the runner for task " + id);
            }
            String error = null;
            try {
                outcome = work(task, id, action);
            } catch (InterruptedException e) {
                interrupted = true;
                outcome = Outcome.FAILURE;
                error = describe(e);
            } catch (RuntimeException e) {
                outcome = Outcome.FAILURE;
                error = describe(e);
            }
            if (control.timedOut()) {
                outcome = Outcome.TIMEOUT;
                error = TIMEOUT_ERROR;
            }
            return new TaskResult(task, outcome, error);
        } finally {
            journal.ended(new Run(id, thread.getName(), thread.isDaemon(), interruptedAtStart, interrupted, outcome));
        }
    }

    /** Records the report and returns {@link Outcome#TIMEOUT} (or {@link Outcome#FAILURE}) with the reason. */
    @Override
    public TaskResult reportKilled(Task task, boolean timedOut, String reason) {
        Objects.requireNonNull(task, "task is null");
        journal.killed(new KilledReport(id(task), timedOut, reason));
        return new TaskResult(task, timedOut ? Outcome.TIMEOUT : Outcome.FAILURE, reason);
    }

    /** How many times the task with this id started. */
    public int executions(int id) {
        return journal.executionCounts().getOrDefault(id, 0);
    }

    /** Executions per task id. */
    public Map<Integer, Integer> executionCounts() {
        return journal.executionCounts();
    }

    /** Finished runs (a run is recorded when it ends), in the order they ended. */
    public List<Run> runs() {
        return journal.runs();
    }

    /** Calls of {@link #reportKilled}. */
    public List<KilledReport> killedReports() {
        return journal.killedReports();
    }

    /** How many runs are in progress now. */
    public int running() {
        return journal.running();
    }

    /** The most runs that were ever in progress at once. */
    public int maxConcurrency() {
        return journal.maxConcurrency();
    }

    private Outcome work(Task task, int id, String action) throws InterruptedException {
        switch (action) {
            case "succeed":
                return Outcome.SUCCESS;
            case "fail":
                throw new IllegalStateException("scripted failure of task " + id);
            case "sleep":
                Thread.sleep(millis(task));
                return Outcome.SUCCESS;
            case "spin":
                spinFor(millis(task));
                return Outcome.SUCCESS;
            case "outcome":
                return outcomeOf(task);
            default:
                throw new IllegalArgumentException("unknown action '" + action + "' in task " + id
                        + "; known: succeed, fail, sleep, spin, outcome, crash");
        }
    }

    private static void spinFor(long millis) {
        long end = System.nanoTime() + millis * 1_000_000L;
        while (System.nanoTime() - end < 0) {
            Thread.onSpinWait();
        }
    }

    private static Outcome outcomeOf(Task task) {
        String name = string(task, OUTCOME);
        try {
            return Outcome.valueOf(name);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unknown outcome '" + name + "'; use one of " + List.of(Outcome.values()), e);
        }
    }

    private static int id(Task task) {
        Object value = task.kwargs().get(ID);
        if (!(value instanceof Number number)) {
            throw new IllegalArgumentException("task kwarg '" + ID + "' must be an integer, got " + value);
        }
        return number.intValue();
    }

    private static long millis(Task task) {
        Object value = task.kwargs().get(MILLIS);
        if (!(value instanceof Number number) || number.longValue() < 0) {
            throw new IllegalArgumentException("task kwarg '" + MILLIS + "' must be a non-negative integer, got " + value);
        }
        return number.longValue();
    }

    private static String string(Task task, String key) {
        Object value = task.kwargs().get(key);
        if (!(value instanceof String text)) {
            throw new IllegalArgumentException("task kwarg '" + key + "' must be a string, got " + value);
        }
        return text;
    }

    private static String describe(Exception e) {
        return e.getClass().getSimpleName() + ": " + e.getMessage();
    }
}
