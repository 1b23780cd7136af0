package io.sergeant.it.reliability;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * What {@link HistoryChecker} found in a history. Immutable; see the checker for the definitions.
 *
 * @param files                    history files read
 * @param tornLines                files whose last line was torn by a kill
 * @param attempted                distinct task ids a producer tried to push
 * @param pushed                   distinct task ids whose push was acknowledged
 * @param completed                distinct task ids completed at least once
 * @param lost                     pushed, never completed, not dead-lettered
 * @param duplicated               completed more than once, with the number of completions
 * @param unexpected               executed, never attempted
 * @param unacknowledgedDelivered  attempted without acknowledgement, yet executed
 * @param kills                    processes killed by the test
 * @param pauses                   processes paused (SIGSTOP) by the test
 * @param touchedByKills           tasks with a record of a killed or paused process
 * @param inFlightAtKills          tasks a killed or paused process had started and not acknowledged (leased) or
 *                                 not completed (not leased) by the fault, judged per delivery by identity
 * @param duplicatesOutsideKills   duplicated tasks that were not in flight at a fault and had no lapsed lease
 * @param overRun                  tasks that ran more than 1 + the faults that caught them in flight + their lapsed
 *                                 leases, with their number of runs
 * @param corrupted                tasks delivered with kwargs whose digest differs from the pushed one
 * @param redeliveries             one per (task, victim) that the victim held at the fault (started and not
 *                                 finished or acknowledged there, or fetched and not started)
 * @param earlyRuns                starts before a delayed task's due time
 * @param startCounts              how many deliveries started, per task id
 * @param acks                     ack records ({@code K}): deliveries the workers' acks settled; when there are
 *                                 any, in flight at a fault means not acknowledged (else the ack window decides)
 * @param reaps                    per worker pid, when each of its reaps of expired leases began (ascending),
 *                                 from the worker's first fetch, start or completion on
 * @param activeAfterKill          killed processes that wrote records of their own stamped after their kill
 *                                 ({@code X}): the kill record names a process that was still alive, so the
 *                                 fault accounting (in flight, over-run, redeliveries) is about the wrong process
 * @param judgedByTime             tasks whose in-flight verdict at a fault had to be estimated from timestamps
 *                                 (the ack window), because their start names no delivery; a history written
 *                                 through the recording backend has none
 * @param lapsedLeases             per task, its deliveries whose lease lapsed with no fault (completed by a live
 *                                 worker, never acknowledged, fetched again at least a lease later; counted only
 *                                 by a checker given the workers' lease): at-least-once runs such a task again
 * @param pipelinedFetches         fetch records ({@code F}) of deliveries received through a pop pipeline
 *                                 ({@link HistoryRecord#pipelined()}): whether the workers used the pipeline; the
 *                                 pop may have been sent ahead or deferred to an ordinary pop
 * @param popsSent                 pops the workers' pop pipelines sent ({@code Q} records)
 * @param popsSentAhead            of those, pops written to the backend at the send
 *                                 ({@link HistoryRecord#SENT_AHEAD}): whether pops were ever in flight while a
 *                                 worker ran its batch
 */
public record HistoryReport(int files, int tornLines, int attempted, int pushed, int completed, Set<String> lost,
                            Map<String, Integer> duplicated, Set<String> unexpected, Set<String> unacknowledgedDelivered,
                            int kills, int pauses, Set<String> touchedByKills, Set<String> inFlightAtKills,
                            Set<String> duplicatesOutsideKills, Map<String, Integer> overRun, Set<String> corrupted,
                            List<Redelivery> redeliveries, List<EarlyRun> earlyRuns, Map<String, Integer> startCounts,
                            int acks, Map<Long, List<Long>> reaps, Set<Long> activeAfterKill, Set<String> judgedByTime,
                            Map<String, Integer> lapsedLeases, int pipelinedFetches,
                            int popsSent, int popsSentAhead) {

    /** Copies the collections. */
    public HistoryReport {
        lost = Set.copyOf(lost);
        duplicated = Map.copyOf(duplicated);
        unexpected = Set.copyOf(unexpected);
        unacknowledgedDelivered = Set.copyOf(unacknowledgedDelivered);
        touchedByKills = Set.copyOf(touchedByKills);
        inFlightAtKills = Set.copyOf(inFlightAtKills);
        duplicatesOutsideKills = Set.copyOf(duplicatesOutsideKills);
        overRun = Map.copyOf(overRun);
        corrupted = Set.copyOf(corrupted);
        redeliveries = List.copyOf(redeliveries);
        earlyRuns = List.copyOf(earlyRuns);
        startCounts = Map.copyOf(startCounts);
        Map<Long, List<Long>> copied = new java.util.TreeMap<>();
        reaps.forEach((pid, times) -> copied.put(pid, List.copyOf(times)));
        reaps = java.util.Collections.unmodifiableMap(copied);
        activeAfterKill = Set.copyOf(activeAfterKill);
        judgedByTime = Set.copyOf(judgedByTime);
        lapsedLeases = Map.copyOf(lapsedLeases);
    }

    /**
     * A task a killed (or paused) process held, and when it ran again.
     *
     * @param id              the task
     * @param killedPid       the killed process (the worker)
     * @param killedAtMillis  when it was killed
     * @param rerunAtMillis   when the task started again elsewhere, or -1 if it never did
     * @param started         whether the victim had started it (else it had fetched it and not begun)
     * @param refetchedAtMillis when the worker that ran it again fetched it (its start if no fetch was
     *                          recorded), or -1 if it never ran again
     */
    public record Redelivery(String id, long killedPid, long killedAtMillis, long rerunAtMillis, boolean started,
                             long refetchedAtMillis) {

        /** Checks the id. */
        public Redelivery {
            Objects.requireNonNull(id, "id is null");
        }

        /** Whether the task ran again. */
        public boolean rerun() {
            return rerunAtMillis >= 0;
        }

        /** Milliseconds from the kill to the re-run; -1 if it never ran again. */
        public long delayMillis() {
            return rerun() ? rerunAtMillis - killedAtMillis : -1;
        }
    }

    /**
     * A delayed task that started before its due time.
     *
     * @param id            the task
     * @param dueMillis     when it was due
     * @param startedMillis when it started
     */
    public record EarlyRun(String id, long dueMillis, long startedMillis) {

        /** Checks the id. */
        public EarlyRun {
            Objects.requireNonNull(id, "id is null");
        }
    }

    /** The number of duplicate completions beyond the first, summed over tasks. */
    public int extraCompletions() {
        return duplicated.values().stream().mapToInt(count -> count - 1).sum();
    }

    /** Redeliveries that happened (the task ran again after the kill). */
    public List<Redelivery> rerunRedeliveries() {
        return redeliveries.stream().filter(Redelivery::rerun).toList();
    }

    /** The largest redelivery delay in milliseconds, or -1 without re-runs. */
    public long maxRedeliveryMillis() {
        return rerunRedeliveries().stream().mapToLong(Redelivery::delayMillis).max().orElse(-1);
    }

    /**
     * How late a redelivery came, counted in the reapers' own cycles instead of milliseconds (a loaded
     * machine stretches both alike): the most reaps that any one working worker (see {@link #reaps()})
     * other than the victim began after
     * the victim's leases had surely expired ({@code killedAt + leaseMillis}: the victim took or extended
     * every lease it held before the kill, which is recorded once the signal was sent) and before the task
     * was fetched again. 0 means the task came back before a reap ran in that window (a pop takes an
     * expired lease itself on some backends, or no worker was alive to reap); 1 that the first reap after
     * expiry returned it. Each further reap is a cycle in which a live worker reaped and the expired task
     * stayed where it was: a lease longer than configured or a reap that misses expired leases.
     *
     * @return the count, or -1 if the task never ran again
     */
    public int reapsBeforeRedelivery(Redelivery redelivery, long leaseMillis) {
        if (!redelivery.rerun()) {
            return -1;
        }
        long expired = redelivery.killedAtMillis() + leaseMillis;
        int most = 0;
        for (Map.Entry<Long, List<Long>> entry : reaps.entrySet()) {
            if (entry.getKey() == redelivery.killedPid()) {
                continue;
            }
            int count = (int) entry.getValue().stream()
                    .filter(began -> began > expired && began < redelivery.refetchedAtMillis()).count();
            most = Math.max(most, count);
        }
        return most;
    }

    /** The largest {@link #reapsBeforeRedelivery} over the re-run redeliveries, or -1 without any. */
    public int maxReapsBeforeRedelivery(long leaseMillis) {
        return rerunRedeliveries().stream().mapToInt(redelivery -> reapsBeforeRedelivery(redelivery, leaseMillis))
                .max().orElse(-1);
    }

    /** How many reaps of expired leases the workers recorded, all together. */
    public int reapCount() {
        return reaps.values().stream().mapToInt(List::size).sum();
    }

    /** Re-run redeliveries of tasks the victim had started: a fault caught them running. */
    public long rerunStarted() {
        return rerunRedeliveries().stream().filter(Redelivery::started).count();
    }

    /** Re-run redeliveries of tasks the victim had fetched but not started. */
    public long rerunFetchedOnly() {
        return rerunRedeliveries().stream().filter(redelivery -> !redelivery.started()).count();
    }

    /** A percentile (0 to 100) of the redelivery delays in milliseconds, or -1 without re-runs. */
    public long redeliveryPercentileMillis(double percentile) {
        long[] delays = rerunRedeliveries().stream().mapToLong(Redelivery::delayMillis).sorted().toArray();
        if (delays.length == 0) {
            return -1;
        }
        int index = (int) Math.ceil(percentile / 100.0 * delays.length) - 1;
        return delays[Math.max(0, Math.min(delays.length - 1, index))];
    }

    /** One line of figures, for logs and docs/guarantees.md. */
    public String figures() {
        return String.format(Locale.ROOT,
                "pushed=%d completed=%d lost=%d duplicated=%d (extra completions %d, outside kills %d) over-run=%d"
                        + " corrupted=%d unexpected=%d unacked-but-delivered=%d kills=%d pauses=%d in-flight-at-kills=%d"
                        + " redelivered=%d (started %d, fetched-only %d; never re-run %d)"
                        + " redelivery-ms p50=%d max=%d acks=%d reaps=%d early-runs=%d torn-lines=%d files=%d"
                        + " lapsed-leases=%d pipelined-fetches=%d pops-sent=%d (ahead %d)",
                pushed, completed, lost.size(), duplicated.size(), extraCompletions(), duplicatesOutsideKills.size(),
                overRun.size(), corrupted.size(), unexpected.size(), unacknowledgedDelivered.size(), kills, pauses,
                inFlightAtKills.size(), rerunRedeliveries().size(), rerunStarted(), rerunFetchedOnly(),
                redeliveries.size() - rerunRedeliveries().size(),
                redeliveryPercentileMillis(50), maxRedeliveryMillis(), acks, reapCount(), earlyRuns.size(), tornLines, files,
                lapsedLeases.values().stream().mapToInt(Integer::intValue).sum(), pipelinedFetches,
                popsSent, popsSentAhead);
    }

    @Override
    public String toString() {
        return figures() + (lost.isEmpty() ? "" : "\n  lost (first 20): " + lost.stream().sorted().limit(20).toList())
                + (duplicatesOutsideKills.isEmpty() ? "" : "\n  duplicates outside kills: " + duplicatesOutsideKills)
                + (overRun.isEmpty() ? "" : "\n  over-run: " + overRun)
                + (corrupted.isEmpty() ? "" : "\n  corrupted: " + corrupted)
                + (unexpected.isEmpty() ? "" : "\n  unexpected: " + unexpected)
                + (earlyRuns.isEmpty() ? "" : "\n  early runs: " + earlyRuns)
                + (activeAfterKill.isEmpty() ? "" : "\n  killed processes with records after their kill: " + activeAfterKill);
    }
}
