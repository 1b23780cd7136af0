package io.sergeant.it.reliability;

import io.sergeant.api.Priority;
import io.sergeant.api.QueueStats;
import io.sergeant.api.Task;
import io.sergeant.api.config.DeliveryMode;
import io.sergeant.core.internal.broker.DefaultBroker;
import io.sergeant.core.supervisor.Supervisor;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The kill -9 runs shared by {@link KillNineTest} (CI size) and {@link SoakTest} (long): two supervised
 * worker JVMs, a producer in the test JVM, one worker (with its children) SIGKILLed every few seconds
 * while the producer runs, then the history check and the guarantees of the delivery mode; and the run of
 * the pipelined at-most-once pop ({@link #atMostOncePipelined}): one supervised worker on a queue filled
 * beforehand, killed twice at chosen tasks.
 */
final class KillNineRuns {

    private KillNineRuns() {
    }

    /** How the workers run tasks, and the load that suits it on two cores. */
    enum Executor {
        THREAD("thread", 4, 10, 3000, 30, Duration.ofMillis(2500), Duration.ofMillis(1500)),
        PROCESS("process", 2, 4, 1500, 15, Duration.ofSeconds(4), Duration.ofSeconds(3)),
        /** Threads at a gentler pace, for the MongoDB emulator (its queries scan whole collections). */
        THREAD_GENTLE("thread", 4, 10, 1500, 12, Duration.ofSeconds(3), Duration.ofSeconds(3));

        final String kind;
        final int concurrency;
        final int batch;
        final int tasks;
        final int pushBatch;
        final Duration killEvery;
        final Duration minAge;

        Executor(String kind, int concurrency, int batch, int tasks, int pushBatch, Duration killEvery, Duration minAge) {
            this.kind = kind;
            this.concurrency = concurrency;
            this.batch = batch;
            this.tasks = tasks;
            this.pushBatch = pushBatch;
            this.killEvery = killEvery;
            this.minAge = minAge;
        }

        Map<String, String> overrides(DeliveryMode mode) {
            Map<String, String> overrides = new java.util.LinkedHashMap<>(Map.of(
                    "delivery.mode", mode.name().toLowerCase(java.util.Locale.ROOT).replace('_', '-'),
                    "delivery.lease", KillNineTest.LEASE_MILLIS + "ms", "delivery.reapInterval", KillNineTest.REAP_MILLIS + "ms",
                    "tasksPerTransaction", Integer.toString(batch), "executor.kind", kind,
                    "executor.concurrency", Integer.toString(concurrency)));
            if (kind.equals("process")) {
                overrides.put("executor.option.jvmOptions", FaultRun.CHILD_JVM);
            }
            return overrides;
        }
    }

    /** Extra rounds of load and kills, at most, when the planned kills caught no running task. */
    static final int MAX_EXTRA_ROUNDS = 3;

    /**
     * One at-least-once kill run and its assertions. A run passes only if its kills caught tasks running
     * and those tasks ran again: when the planned kills did not (a kill can fall between tasks, or on a
     * worker still starting its children), more load is pushed and a worker seen running a task is
     * killed, for at most {@value #MAX_EXTRA_ROUNDS} extra rounds.
     *
     * @param tasks how many tasks to push, or 0 for the executor's default
     */
    static void atLeastOnce(Path dir, String name, String backend, Executor executor, int tasks) throws Exception {
        int count = tasks > 0 ? tasks : executor.tasks;
        try (FaultRun run = new FaultRun(dir, backend, name.hashCode())) {
            DefaultBroker broker = run.broker(DeliveryMode.AT_LEAST_ONCE);
            Supervisor supervisor = run.startSupervisor(run.supervisorConfig(2, executor.overrides(DeliveryMode.AT_LEAST_ONCE)).build());
            Producer producer = run.startProducer(broker, new Producer.Plan("t", count, executor.pushBatch, 100, KillNineTest.MAX_WORK_MILLIS, 0));
            run.startKiller(supervisor, executor.killEvery, executor.minAge, producer::done);

            producer.await(Math.max(60_000, count * 1_000L / 100));
            run.stopKilling();
            Set<String> acknowledged = new HashSet<>(producer.acknowledged());
            int extraRounds = 0;
            while (!caughtRunningAndRedelivered(run) && extraRounds < MAX_EXTRA_ROUNDS) {
                extraRounds++;
                Producer more = run.startProducer(broker, new Producer.Plan("t" + extraRounds, Math.max(300, count / 5),
                        executor.pushBatch, 100, KillNineTest.MAX_WORK_MILLIS, 0));
                run.killOneRunning(supervisor, Duration.ofSeconds(20));
                more.await(60_000);
                acknowledged.addAll(more.acknowledged());
            }
            boolean drained = run.awaitCompleted(acknowledged, Duration.ofSeconds(30));
            // Completed-but-unacknowledged tasks of the last victim are still leased: let them come back.
            boolean settled = run.awaitSettled(broker, Duration.ofMillis(KillNineTest.LEASE_MILLIS + KillNineTest.REAP_MILLIS + 10_000));
            assertThat(run.stopSupervisors()).containsOnly(0);
            QueueStats stats = FaultRun.stats(broker);
            HistoryReport report = run.check(Set.of());
            FaultRun.figures("kill-9 at-least-once " + name, report.figures() + " reaps-before-redelivery-max="
                    + report.maxReapsBeforeRedelivery(KillNineTest.LEASE_MILLIS) + " extra-rounds=" + extraRounds
                    + " stats=" + stats);

            assertThat(drained).as("every acknowledged push completed: %s", report).isTrue();
            assertThat(settled).as("the queue settled: %s", stats).isTrue();
            assertThat(report.acks()).as("acks recorded by the workers (what decides which tasks were in flight)").isPositive();
            assertThat(report.lost()).as("lost").isEmpty();
            assertThat(report.unexpected()).as("unexpected").isEmpty();
            assertThat(report.corrupted()).as("deliveries whose kwargs differ from the pushed ones").isEmpty();
            assertThat(report.duplicatesOutsideKills()).as("duplicates of tasks no killed worker held").isEmpty();
            assertThat(report.overRun()).as("tasks run more than 1 + the kills that caught them running").isEmpty();
            assertThat(report.kills()).as("kills").isGreaterThanOrEqualTo(2);
            assertThat(report.inFlightAtKills()).as("tasks running at a kill: %s", report).isNotEmpty();
            assertThat(report.rerunStarted()).as("tasks caught running by a kill that ran again: %s", report).isPositive();
            assertThat(report.redeliveries()).as("redeliveries, started and fetched-only").allMatch(HistoryReport.Redelivery::rerun);
            assertRedeliveredInTime(report);
            assertThat(stats).isEqualTo(new QueueStats(0, 0, 0, 0));
        }
    }

    /**
     * The most reaps a live worker may begin after a victim's leases surely expired before their tasks are
     * fetched again: the first reap after expiry returns them (1), and a pickup delayed on a loaded machine
     * may let two more begin. A lease twice as long as configured shows as four or more on an idle machine.
     */
    static final int MAX_REAPS_BEFORE_REDELIVERY = 3;

    /**
     * Asserts that every redelivery came back within {@value #MAX_REAPS_BEFORE_REDELIVERY} reaps after the
     * lease expired ({@link HistoryReport#reapsBeforeRedelivery}). Counted in the reapers' cycles, not in
     * milliseconds from the kill: on a loaded machine a kill can leave no worker alive until a replacement JVM
     * has started, seconds later, and a wall-clock bound then measures JVM start-up, not the queue.
     */
    static void assertRedeliveredInTime(HistoryReport report) {
        assertThat(report.reapCount()).as("reaps recorded by the workers (the clock of the next check)").isPositive();
        HistoryReport.Redelivery slowest = report.rerunRedeliveries().stream()
                .max(java.util.Comparator.comparingInt(redelivery -> report.reapsBeforeRedelivery(redelivery,
                        KillNineTest.LEASE_MILLIS))).orElse(null);
        assertThat(report.maxReapsBeforeRedelivery(KillNineTest.LEASE_MILLIS))
                .as("reaps begun after the lease expired and before the task was fetched again; slowest %s; %s",
                        slowest, report)
                .isLessThanOrEqualTo(MAX_REAPS_BEFORE_REDELIVERY);
    }

    /**
     * Whether the kills so far caught a running task that then ran again; waits up to lease + reap
     * interval + 2 s for the redeliveries of the last kill.
     */
    private static boolean caughtRunningAndRedelivered(FaultRun run) {
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.MILLISECONDS.toNanos(
                KillNineTest.LEASE_MILLIS + KillNineTest.REAP_MILLIS + 2_000);
        while (true) {
            HistoryReport report = run.check(Set.of());
            if (report.kills() >= 2 && report.rerunStarted() > 0) {
                return true;
            }
            if (System.nanoTime() - deadline > 0) {
                return false;
            }
            FaultRun.sleep(250);
        }
    }

    /**
     * One at-most-once kill run (thread executor) and its assertions.
     *
     * @param tasks how many tasks to push, or 0 for the default
     */
    static void atMostOnce(Path dir, String name, String backend, int tasks) throws Exception {
        Executor executor = Executor.THREAD;
        int count = tasks > 0 ? tasks : executor.tasks;
        try (FaultRun run = new FaultRun(dir, backend, name.hashCode())) {
            DefaultBroker broker = run.broker(DeliveryMode.AT_MOST_ONCE);
            Supervisor supervisor = run.startSupervisor(run.supervisorConfig(2, executor.overrides(DeliveryMode.AT_MOST_ONCE)).build());
            Producer producer = run.startProducer(broker, new Producer.Plan("t", count, executor.pushBatch, 100, KillNineTest.MAX_WORK_MILLIS, 0));
            run.startKiller(supervisor, executor.killEvery, executor.minAge, producer::done);

            producer.await(Math.max(60_000, count * 1_000L / 100));
            run.stopKilling();
            // Popped tasks are not in the queue's figures: wait for them first, so the stop hands nothing back.
            String heldBeforeStop = awaitNothingHeld(run, broker, Set.copyOf(producer.acknowledged()), Duration.ofSeconds(60));
            run.awaitSettled(broker, Duration.ofSeconds(20));
            assertThat(run.stopSupervisors()).containsOnly(0);
            QueueStats stats = FaultRun.stats(broker);
            HistoryReport report = run.check(Set.of());
            long lostStarted = report.lost().stream().filter(id -> report.startCounts().containsKey(id)).count();
            FaultRun.figures("kill-9 at-most-once " + name, report.figures() + " lost-after-start=" + lostStarted
                    + " nothing-held-before-stop=" + heldBeforeStop + " stats=" + stats);

            int heldPerWorker = executor.batch + executor.concurrency;
            assertThat(report.kills()).as("kills").isGreaterThanOrEqualTo(2);
            assertThat(report.duplicated()).as("at-most-once never runs a task twice").isEmpty();
            assertThat(report.unexpected()).as("unexpected").isEmpty();
            assertThat(report.lost().size()).as("lost tasks are at most what the killed workers held: %s", report)
                    .isLessThanOrEqualTo(report.kills() * heldPerWorker);
            assertThat(report.completed() + report.lost().size()).as("every acknowledged push is completed or lost")
                    .isEqualTo(report.pushed());
            assertThat(stats.ready() + stats.inFlight()).as("nothing left in the queue").isZero();
        }
    }

    /**
     * Waits until no live worker holds a task of {@code ids}, at most {@code bound}; returns how it ended:
     * {@code exact} once every id has completed or was fetched by a killed worker (lost with it: at-most-once
     * delivers it to no one else), then no live worker holds any; {@code idle} once the queue has nothing ready and
     * every delivery fetched by a live worker has completed, while some id is in neither state (a kill between a pop
     * and its fetch record, or an idle wait's take, loses tasks no record names); {@code bound} if neither came.
     * Popped at-most-once tasks are not in the queue's figures, so without this a graceful stop could find a worker
     * holding some and hand them back. {@code idle} leaves only the moment between a live worker's pop and its fetch
     * record, which {@link FaultRun#awaitSettled} (called next) covers as before.
     */
    private static String awaitNothingHeld(FaultRun run, DefaultBroker broker, Set<String> ids, Duration bound) {
        long deadline = System.nanoTime() + bound.toNanos();
        while (true) {
            boolean emptyQueue = FaultRun.stats(broker).ready() == 0;
            List<HistoryRecord> records = History.read(run.history()).records();
            Set<Long> killed = records.stream().filter(record -> record.kind() == HistoryRecord.Kind.KILLED)
                    .map(HistoryRecord::pid).collect(Collectors.toSet());
            Set<String> accounted = records.stream().filter(record -> record.kind() == HistoryRecord.Kind.COMPLETED
                            || record.kind() == HistoryRecord.Kind.FETCHED && killed.contains(record.pid()))
                    .map(HistoryRecord::id).collect(Collectors.toSet());
            if (accounted.containsAll(ids)) {
                return "exact";
            }
            Set<String> completedDeliveries = records.stream().filter(record -> record.kind() == HistoryRecord.Kind.COMPLETED)
                    .map(HistoryRecord::delivery).collect(Collectors.toSet());
            boolean liveHoldNothing = records.stream().filter(record -> record.kind() == HistoryRecord.Kind.FETCHED
                    && !killed.contains(record.pid())).allMatch(record -> completedDeliveries.contains(record.delivery()));
            if (emptyQueue && liveHoldNothing) {
                return "idle";
            }
            if (System.nanoTime() - deadline > 0) {
                return "bound";
            }
            FaultRun.sleep(250);
        }
    }

    /** The batch of the pipelined run: the smallest that pipelines its pops (core's {@code TaskLoop.POP_AHEAD_MIN_BATCH}). */
    static final int PIPELINED_BATCH = 128;
    /** Batches pushed before the pipelined run's worker starts. */
    static final int PIPELINED_BATCHES = 14;
    /**
     * The pipelined run's threshold ({@code sergeant.pop.pipeline.maxRunMillis}) in its worker JVMs: a minute, so no
     * batch of a loaded machine keeps the next pop from being sent ahead (production: 10 ms).
     */
    static final String PIPELINED_MAX_RUN = "-Dsergeant.pop.pipeline.maxRunMillis=60000";
    /** How long a kill target of the pipelined run sleeps: far longer than the wait before its kill. */
    static final int PIPELINED_TARGET_MILLIS = 60_000;

    /**
     * The at-most-once kill run of the pipelined pop (docs/decisions.md, "Pipelined at-most-once pop"): one
     * supervised worker JVM on Redis, one thread, no timeout (it runs its batches on its loop thread), batches of
     * {@value #PIPELINED_BATCH}, its pipeline threshold raised ({@link #PIPELINED_MAX_RUN}), behind the recording
     * backend, whose pop pipeline records each send ({@code Q}: written ahead or deferred) and each receive's
     * deliveries ({@code F}, tokens of their own kind, {@link HistoryRecord#pipelined()}).
     * The queue is filled before the worker starts ({@value #PIPELINED_BATCHES} batches of instant tasks), so every
     * pop but the last is full and the queue keeps draining. Two tasks sleep {@value #PIPELINED_TARGET_MILLIS} ms,
     * each the first of a batch that a worker pops after at least three of its own (a worker's first batch is never
     * pipelined, its second is popped plainly and sends the third's pop ahead): the worker is SIGKILLed as soon as
     * its start of such a task is in the history, then the supervisor starts another. So each kill comes with a
     * task running (in flight at the kill, which the check requires), the batch in hand received through the
     * pipeline from a pop written ahead, and the next batch's {@code LPOP} written ahead too (its {@code Q} record
     * follows the target's {@code F}) and flushed before the target started, so the server runs it even after the
     * kill: the kill loses the batch in hand and the one in flight, the two batches of the documented bound
     * (docs/guarantees.md). The send records show the pops were written ahead; that the server ran the last one
     * shows only in the losses, more than one batch per kill. No assertion depends on timing: each kill waits for
     * its target's start, and the end waits until every task from the last worker's first fetch on has completed
     * (with one worker, a FIFO queue and no more kills, then the worker holds nothing), each with a liveness bound
     * only a run that never gets there meets ({@link #PIPELINED_LIVENESS}).
     *
     * @param backend a single Redis node's URI
     */
    static void atMostOncePipelined(Path dir, String backend) throws Exception {
        int batch = PIPELINED_BATCH;
        int total = PIPELINED_BATCHES * batch;
        // The first worker's fifth batch; the replacement starts after what the kill lost (two batches; one if the
        // pop were not in flight) and meets the second target in its fifth batch (or sixth).
        int[] targets = {4 * batch, 10 * batch};
        try (FaultRun run = new FaultRun(dir, backend, "pipelined".hashCode())) {
            DefaultBroker broker = run.broker(DeliveryMode.AT_MOST_ONCE);
            List<Task> tasks = new ArrayList<>(total);
            Set<Integer> targetSet = java.util.Arrays.stream(targets).boxed().collect(Collectors.toSet());
            for (int i = 0; i < total; i++) {
                Map<String, Object> kwargs = new java.util.LinkedHashMap<>();
                kwargs.put("id", pipelinedId(i));
                if (targetSet.contains(i)) {
                    kwargs.put("ms", PIPELINED_TARGET_MILLIS);
                }
                tasks.add(Task.of(kwargs));
            }
            broker.purgeTasks(HistoryWorker.QUEUE);
            run.testLog().attempted(tasks, 0);
            assertThat(broker.pushTasks(HistoryWorker.QUEUE, tasks, Priority.NORMAL, null)).isTrue();
            run.testLog().pushed(tasks, 0);

            Map<String, String> overrides = Map.of("delivery.mode", "at-most-once",
                    "tasksPerTransaction", Integer.toString(batch), "executor.kind", "thread", "executor.concurrency", "1");
            Supervisor supervisor = run.startSupervisor(run.supervisorConfig(1, overrides)
                    .workerJvmOptions(run.workerJvm(PIPELINED_MAX_RUN)).build());
            List<Long> victims = new ArrayList<>();
            for (int target : targets) {
                long victim = awaitStart(run, supervisor, pipelinedId(target), PIPELINED_LIVENESS);
                assertThat(victim).as(() -> "a worker started " + pipelinedId(target) + " within " + PIPELINED_LIVENESS
                        + " (its pid); history so far: " + progress(run)).isPositive();
                run.kill(victim);
                victims.add(victim);
            }
            // The last worker takes the rest from its first fetch on; once all of it has completed it holds nothing.
            int firstOfLast = awaitFirstFetch(run, supervisor, Set.copyOf(victims), PIPELINED_LIVENESS);
            assertThat(firstOfLast).as(() -> "the worker started after the last kill fetched within " + PIPELINED_LIVENESS
                    + "; history so far: " + progress(run)).isNotNegative();
            Set<String> rest = java.util.stream.IntStream.range(firstOfLast, total).mapToObj(KillNineRuns::pipelinedId)
                    .collect(Collectors.toSet());
            boolean drained = run.awaitCompleted(rest, PIPELINED_LIVENESS);
            QueueStats beforeStop = FaultRun.stats(broker);
            assertThat(run.stopSupervisors()).containsOnly(0);
            QueueStats stats = FaultRun.stats(broker);
            History history = History.read(run.history());
            HistoryReport report = run.check(Set.of());
            List<Integer> lostPerKill = new ArrayList<>();
            for (int k = 0; k < targets.length; k++) {
                int from = targets[k];
                int to = k + 1 < targets.length ? targets[k + 1] : total;
                lostPerKill.add((int) report.lost().stream().mapToInt(KillNineRuns::pipelinedIndex)
                        .filter(index -> index >= from && index < to).count());
            }
            FaultRun.figures("kill-9 at-most-once pipelined redis", report.figures() + " lost-per-kill=" + lostPerKill
                    + " last-worker-from=" + pipelinedId(firstOfLast) + " stats=" + stats);

            assertThat(drained).as("the last worker completed %s to %s within %s: %s", pipelinedId(firstOfLast),
                    pipelinedId(total - 1), PIPELINED_LIVENESS, report).isTrue();
            assertThat(beforeStop.ready() + beforeStop.inFlight()).as("nothing left in the queue before the stop: %s",
                    beforeStop).isZero();
            assertThat(report.kills()).as("kills").isEqualTo(targets.length);
            assertThat(report.pipelinedFetches()).as("tasks the workers received through the pop pipeline").isPositive();
            assertThat(report.popsSentAhead()).as("pops the workers' pipelines wrote ahead: %s", report).isPositive();
            for (int k = 0; k < targets.length; k++) {
                assertSentAheadAround(history, pipelinedId(targets[k]), victims.get(k));
            }
            assertThat(report.inFlightAtKills()).as("tasks running at the kills: %s", report)
                    .containsExactlyInAnyOrder(pipelinedId(targets[0]), pipelinedId(targets[1]));
            Set<String> fetchedDeliveries = history.records().stream()
                    .filter(record -> record.kind() == HistoryRecord.Kind.FETCHED && record.identified())
                    .map(HistoryRecord::delivery).collect(Collectors.toSet());
            assertThat(history.records()).as("every start names a delivery the recording backend recorded as fetched")
                    .filteredOn(record -> record.kind() == HistoryRecord.Kind.STARTED)
                    .isNotEmpty().allSatisfy(start -> assertThat(fetchedDeliveries).contains(start.delivery()));
            assertThat(report.duplicated()).as("at-most-once never runs a task twice").isEmpty();
            assertThat(report.overRun()).as("over-run").isEmpty();
            assertThat(report.unexpected()).as("unexpected").isEmpty();
            assertThat(report.corrupted()).as("corrupted").isEmpty();
            assertThat(report.lost()).as("nothing before the first kill's batch is lost")
                    .allSatisfy(id -> assertThat(pipelinedIndex(id)).isGreaterThanOrEqualTo(targets[0]));
            assertThat(lostPerKill).as("lost per kill: the batch in hand and the pop in flight, at most two batches"
                    + " (the documented bound), more than one (the server ran the pop in flight, and the kill lost"
                    + " it too): %s", report)
                    .allSatisfy(lost -> assertThat(lost).isGreaterThan(batch).isLessThanOrEqualTo(2 * batch));
            assertThat(report.completed() + report.lost().size()).as("every acknowledged push is completed or lost")
                    .isEqualTo(report.pushed()).isEqualTo(total);
            assertThat(stats.ready() + stats.inFlight()).as("nothing left in the queue").isZero();
        }
    }

    /**
     * How long the pipelined run waits at most for each step (a target's start, the last worker's first fetch, the
     * rest completed): a liveness bound, for a worker JVM starting on a loaded two-core machine; a healthy run takes
     * seconds for all of them.
     */
    static final Duration PIPELINED_LIVENESS = Duration.ofSeconds(90);

    /** The history's figures so far, for the message of a liveness bound that ran out. */
    private static String progress(FaultRun run) {
        try {
            return run.check(Set.of()).toString();
        } catch (AssertionError | RuntimeException e) {
            return "(not checkable: " + e.getMessage() + ")";
        }
    }

    /**
     * Asserts that the victim's pipeline wrote ahead both the pop that brought the target's batch (its last send
     * before the target's fetch) and the next one (its only send after it, made before the target started: the pop
     * in flight at the kill). The victim's fetches and sends are written by one recorder to one file, in order.
     */
    private static void assertSentAheadAround(History history, String target, long victim) {
        List<HistoryRecord> own = history.records().stream().filter(record -> record.pid() == victim
                && (record.kind() == HistoryRecord.Kind.FETCHED || record.kind() == HistoryRecord.Kind.POP_SENT)).toList();
        int fetch = -1;
        for (int i = 0; i < own.size(); i++) {
            if (own.get(i).kind() == HistoryRecord.Kind.FETCHED && own.get(i).id().equals(target)) {
                assertThat(fetch).as("%s fetched once by its victim %d", target, victim).isNegative();
                fetch = i;
            }
        }
        assertThat(fetch).as("the fetch of %s by its victim %d", target, victim).isNotNegative();
        assertThat(own.get(fetch).pipelined()).as("%s was received through the pop pipeline", target).isTrue();
        List<String> before = own.subList(0, fetch).stream().filter(record -> record.kind() == HistoryRecord.Kind.POP_SENT)
                .map(HistoryRecord::id).toList();
        List<String> after = own.subList(fetch, own.size()).stream()
                .filter(record -> record.kind() == HistoryRecord.Kind.POP_SENT).map(HistoryRecord::id).toList();
        assertThat(before).as("the victim %d's sends before its fetch of %s: the last one brought its batch", victim, target)
                .isNotEmpty().last().isEqualTo(HistoryRecord.SENT_AHEAD);
        assertThat(after).as("the victim %d's sends after its fetch of %s: the pop in flight at the kill", victim, target)
                .containsExactly(HistoryRecord.SENT_AHEAD);
    }

    /**
     * Waits until a worker of the supervisor other than {@code excluded} has a fetch in the history; returns the
     * index of the lowest task it fetched, or -1 if none had within {@code bound}.
     */
    private static int awaitFirstFetch(FaultRun run, Supervisor supervisor, Set<Long> excluded, Duration bound) {
        long deadline = System.nanoTime() + bound.toNanos();
        while (System.nanoTime() - deadline < 0) {
            Set<Long> workers = new HashSet<>(supervisor.workerPids());
            workers.removeAll(excluded);
            int first = History.read(run.history()).records().stream()
                    .filter(record -> record.kind() == HistoryRecord.Kind.FETCHED && workers.contains(record.pid()))
                    .mapToInt(record -> pipelinedIndex(record.id())).min().orElse(-1);
            if (first >= 0) {
                return first;
            }
            FaultRun.sleep(20);
        }
        return -1;
    }

    private static String pipelinedId(int index) {
        return String.format("p-%05d", index);
    }

    private static int pipelinedIndex(String id) {
        return Integer.parseInt(id.substring(2));
    }

    /**
     * Waits until a worker of the supervisor has a start of task {@code id} in the history; returns its pid, or -1
     * if none had within {@code bound}.
     */
    private static long awaitStart(FaultRun run, Supervisor supervisor, String id, Duration bound) {
        long deadline = System.nanoTime() + bound.toNanos();
        while (System.nanoTime() - deadline < 0) {
            Set<Long> workers = new HashSet<>(supervisor.workerPids());
            for (HistoryRecord record : History.read(run.history()).records()) {
                if (record.kind() == HistoryRecord.Kind.STARTED && record.id().equals(id) && workers.contains(record.pid())) {
                    return record.pid();
                }
            }
            FaultRun.sleep(20);
        }
        return -1;
    }
}
