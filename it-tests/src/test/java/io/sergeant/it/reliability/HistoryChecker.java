package io.sergeant.it.reliability;

import io.sergeant.it.reliability.HistoryReport.EarlyRun;
import io.sergeant.it.reliability.HistoryReport.Redelivery;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Turns a {@link History} into a {@link HistoryReport}: the one checker for every backend and fault.
 * A <em>fault</em> is a kill ({@code X}, SIGKILL) or a pause ({@code Z}, SIGSTOP) of a process; its
 * <em>victim</em> is that process, and records of the victim's children (the process executor's) count as
 * the victim's.
 *
 * <ul>
 *   <li><b>lost</b>: pushed (acknowledged) and never completed, and not among the expected dead letters;</li>
 *   <li><b>duplicated</b>: completed more than once (with how many times);</li>
 *   <li><b>unexpected</b>: started or completed but never even attempted by a producer;</li>
 *   <li><b>unacknowledged but delivered</b>: attempted, never acknowledged (the producer died or the push
 *       failed), yet executed; allowed, since the write may land before the acknowledgement is lost;</li>
 *   <li><b>touched by kills</b>: tasks with a record of a victim;</li>
 *   <li><b>in flight at faults</b>: tasks a victim had started and not acknowledged by the fault: the only
 *       tasks an at-least-once run may run more than once. Judged per delivery by identity: the recording
 *       backend gives every delivery a token, written in its {@code F}, {@code S}, {@code C} and {@code K}
 *       records ({@link HistoryRecord#delivery()}). A leased delivery ({@code l…}) was in flight unless an ack
 *       record ({@code K}) of that very delivery exists; one that is not leased ({@code u…}, at-most-once)
 *       unless a completion of it exists. For a kill no timestamp enters the verdict (the victim wrote all its
 *       records before it died); for a pause only the victim's ack or completion stamp against the pause's.
 *       A start that names no delivery (a history not written through the recording backend) falls back to
 *       the old estimate by time: an ack of the task by the victim between this start and its next one, or,
 *       without ack records, a completion more than the ack window before the fault; such tasks are listed in
 *       {@link HistoryReport#judgedByTime()}, which the fault tests require to be empty;</li>
 *   <li><b>over-run</b> (multiplicity): tasks that ran (started or completed, whichever is more often) more
 *       than 1 + the number of faults that caught them in flight: a triple run after one kill is a fault of
 *       the queue, not of the kill;</li>
 *   <li><b>corrupted</b>: a delivery whose kwargs digest differs from the one pushed;</li>
 *   <li><b>redeliveries</b>: for each fault and each task its victim held, the first start elsewhere after
 *       the fault and its delay. Held means started and not completed (as above), or fetched by the
 *       victim's pop ({@code F}) and not started anywhere between that pop and the fault (a task the
 *       worker had taken but not begun);</li>
 *   <li><b>reaps</b>: the {@code R} records (reaps of expired leases) per worker, from the worker's first
 *       fetch, start or completion on (before that it is still starting and takes no task), the clock in
 *       which {@link HistoryReport#reapsBeforeRedelivery} measures how late a redelivery came;</li>
 *   <li><b>early runs</b>: starts before a delayed task's due time;</li>
 *   <li><b>pipelined fetches</b>: fetches of deliveries received through a pop pipeline
 *       ({@link HistoryRecord#pipelined()}; its pop sent ahead or deferred to an ordinary pop), so a run can show
 *       the worker used the pipeline;</li>
 *   <li><b>pops sent</b>: the pops the workers' pop pipelines sent ({@code Q} records), and how many of them were
 *       written ahead ({@link HistoryRecord#SENT_AHEAD}: the server popped while the worker ran its batch), so a
 *       run can show that pops were in flight, not only deferred;</li>
 *   <li><b>active after kill</b>: killed processes with records of their own (by pid, not their children's)
 *       stamped after their {@code X}. A test records a kill once the process is dead, so there any such
 *       record means the {@code X} names the wrong process (a process that records its own death, as the
 *       poison task does, may still finish a write of another thread in between).</li>
 * </ul>
 *
 * Immutable and thread safe.
 */
public final class HistoryChecker {

    /**
     * The default ack window: a worker acks settled tasks before its next pop, normally within tens of
     * milliseconds; half a second leaves room for a loaded machine.
     */
    public static final long DEFAULT_ACK_WINDOW_MILLIS = 500;

    private final long ackWindowMillis;
    private final long leaseMillis;

    /** A checker with the default ack window that does not judge lapsed leases. */
    public HistoryChecker() {
        this(DEFAULT_ACK_WINDOW_MILLIS);
    }

    /**
     * A checker with this ack window that does not judge lapsed leases.
     *
     * @param ackWindowMillis how long before a kill a completion may still lack its ack; not negative
     */
    public HistoryChecker(long ackWindowMillis) {
        this(ackWindowMillis, 0);
    }

    /**
     * A checker with this ack window that allows a run more for each lapsed lease (see
     * {@link HistoryReport#lapsedLeases()}).
     *
     * @param ackWindowMillis how long before a kill a completion may still lack its ack; not negative
     * @param leaseMillis     the workers' lease, or 0 to count no lease as lapsed; not negative
     */
    public HistoryChecker(long ackWindowMillis, long leaseMillis) {
        if (ackWindowMillis < 0) {
            throw new IllegalArgumentException("the ack window must not be negative: " + ackWindowMillis);
        }
        if (leaseMillis < 0) {
            throw new IllegalArgumentException("the lease must not be negative: " + leaseMillis);
        }
        this.ackWindowMillis = ackWindowMillis;
        this.leaseMillis = leaseMillis;
    }

    /** Checks a history where no task is expected in the dead letters. */
    public HistoryReport check(History history) {
        return check(history, Set.of());
    }

    /**
     * Checks a history.
     *
     * @param deadLettered ids found in the dead letters; they do not count as lost, nor as never re-run
     */
    public HistoryReport check(History history, Set<String> deadLettered) {
        Objects.requireNonNull(history, "history is null");
        Objects.requireNonNull(deadLettered, "deadLettered is null");
        Set<String> attempted = new HashSet<>();
        Set<String> pushed = new TreeSet<>();
        Map<String, Long> due = new HashMap<>();
        Map<String, String> pushedDigest = new HashMap<>();
        Map<String, List<HistoryRecord>> fetches = new HashMap<>();
        Map<String, List<HistoryRecord>> starts = new HashMap<>();
        Map<String, List<HistoryRecord>> completions = new HashMap<>();
        Map<String, List<HistoryRecord>> acks = new HashMap<>();
        Map<Long, Long> faults = new LinkedHashMap<>();
        Map<Long, List<Long>> reaps = new TreeMap<>();
        Set<Long> killed = new HashSet<>();
        Set<Long> paused = new HashSet<>();
        int popsSent = 0;
        int popsSentAhead = 0;
        for (HistoryRecord record : history.records()) {
            switch (record.kind()) {
                case ATTEMPTED, PUSHED -> {
                    attempted.add(record.id());
                    if (record.kind() == HistoryRecord.Kind.PUSHED) {
                        pushed.add(record.id());
                    }
                    if (record.due() > 0) {
                        due.put(record.id(), record.due());
                    }
                    if (!record.digest().equals(HistoryRecord.NO_DIGEST)) {
                        pushedDigest.put(record.id(), record.digest());
                    }
                }
                case FETCHED -> fetches.computeIfAbsent(record.id(), id -> new ArrayList<>()).add(record);
                case STARTED -> starts.computeIfAbsent(record.id(), id -> new ArrayList<>()).add(record);
                case COMPLETED -> completions.computeIfAbsent(record.id(), id -> new ArrayList<>()).add(record);
                case ACKED -> acks.computeIfAbsent(record.id(), id -> new ArrayList<>()).add(record);
                case REAPED -> reaps.computeIfAbsent(record.pid(), pid -> new ArrayList<>()).add(record.millis());
                case KILLED, PAUSED -> {
                    faults.merge(record.pid(), record.millis(), Math::min);
                    (record.kind() == HistoryRecord.Kind.KILLED ? killed : paused).add(record.pid());
                }
                case POP_SENT -> {
                    popsSent++;
                    if (record.id().equals(HistoryRecord.SENT_AHEAD)) {
                        popsSentAhead++;
                    }
                }
            }
        }
        Comparator<HistoryRecord> byTime = Comparator.comparingLong(HistoryRecord::millis);
        fetches.values().forEach(list -> list.sort(byTime));
        starts.values().forEach(list -> list.sort(byTime));
        completions.values().forEach(list -> list.sort(byTime));
        reaps.values().forEach(list -> list.sort(null));
        keepReapsOfWorkingWorkers(reaps, history);

        Set<String> lost = new TreeSet<>();
        for (String id : pushed) {
            if (!completions.containsKey(id) && !deadLettered.contains(id)) {
                lost.add(id);
            }
        }
        Map<String, Integer> duplicated = new TreeMap<>();
        completions.forEach((id, list) -> {
            if (list.size() > 1) {
                duplicated.put(id, list.size());
            }
        });
        Set<String> executed = new TreeSet<>(starts.keySet());
        executed.addAll(completions.keySet());
        Set<String> unexpected = new TreeSet<>();
        Set<String> unacknowledged = new TreeSet<>();
        for (String id : executed) {
            if (!attempted.contains(id)) {
                unexpected.add(id);
            } else if (!pushed.contains(id)) {
                unacknowledged.add(id);
            }
        }
        Set<String> touched = new TreeSet<>();
        for (String id : executed) {
            if (anyBy(starts.get(id), faults) || anyBy(completions.get(id), faults)) {
                touched.add(id);
            }
        }
        InFlight inFlight = new InFlight(starts, completions, acks, killed);
        // For each task, the faults that caught one of its runs in flight.
        Map<String, Set<Long>> caughtBy = new TreeMap<>();
        starts.forEach((id, list) -> {
            for (HistoryRecord start : list) {
                Long victim = victim(start, faults);
                if (victim != null && start.millis() <= faults.get(victim)
                        && inFlight.at(start, victim, faults.get(victim))) {
                    caughtBy.computeIfAbsent(id, key -> new TreeSet<>()).add(victim);
                }
            }
        });
        Set<String> inFlightAtFaults = new TreeSet<>(caughtBy.keySet());
        Map<String, Integer> lapsed = lapsedLeases(fetches, completions, acks, faults);
        Set<String> duplicatesOutsideKills = new TreeSet<>(duplicated.keySet());
        duplicatesOutsideKills.removeAll(inFlightAtFaults);
        duplicatesOutsideKills.removeAll(lapsed.keySet());
        Map<String, Integer> overRun = new TreeMap<>();
        for (String id : executed) {
            int runs = Math.max(starts.getOrDefault(id, List.of()).size(), completions.getOrDefault(id, List.of()).size());
            int allowed = 1 + caughtBy.getOrDefault(id, Set.of()).size() + lapsed.getOrDefault(id, 0);
            if (runs > allowed) {
                overRun.put(id, runs);
            }
        }
        Set<String> corrupted = new TreeSet<>();
        starts.forEach((id, list) -> {
            String expected = pushedDigest.get(id);
            for (HistoryRecord start : list) {
                if (expected != null && !start.digest().equals(HistoryRecord.NO_DIGEST) && !start.digest().equals(expected)) {
                    corrupted.add(id);
                }
            }
        });
        List<Redelivery> redeliveries = redeliveries(fetches, starts, completions, faults, deadLettered, inFlight);
        List<EarlyRun> earlyRuns = new ArrayList<>();
        due.forEach((id, dueMillis) -> {
            for (HistoryRecord start : starts.getOrDefault(id, List.of())) {
                if (start.millis() < dueMillis) {
                    earlyRuns.add(new EarlyRun(id, dueMillis, start.millis()));
                }
            }
        });
        Map<String, Integer> startCounts = new TreeMap<>();
        starts.forEach((id, list) -> startCounts.put(id, list.size()));
        int completedOnce = (int) completions.values().stream().filter(list -> !list.isEmpty()).count();
        return new HistoryReport(history.files(), history.tornLines(), attempted.size(), pushed.size(), completedOnce,
                lost, duplicated, unexpected, unacknowledged, killed.size(), paused.size(), touched, inFlightAtFaults,
                duplicatesOutsideKills, overRun, corrupted, redeliveries, earlyRuns, startCounts,
                acks.values().stream().mapToInt(List::size).sum(), reaps, activeAfterKill(history), inFlight.judgedByTime,
                lapsed, (int) fetches.values().stream().flatMap(List::stream).filter(HistoryRecord::pipelined).count(),
                popsSent, popsSentAhead);
    }

    /**
     * Per task, its deliveries whose lease lapsed with no fault: a leased delivery of a process that was neither
     * killed nor paused, which completed and was never acknowledged (its ack was refused: the lease was gone),
     * followed by another delivery of the task fetched at least the lease (less the ack window, for the lag of
     * the fetch records, but never less than half the lease) after it. At-least-once runs such a task again by design; a machine loaded enough to
     * stall a worker (or the SQLite write lock it waits for) past a short lease does that without any fault. A
     * redelivery sooner than that, or of a delivery that was acknowledged, is not counted, so a reaper that takes
     * leases well before their end still fails the checks; {@code FaultRun} also bounds how many lapses a run may
     * show, since broken lease extension or refused acks would look the same. Empty when the checker has no lease.
     */
    private Map<String, Integer> lapsedLeases(Map<String, List<HistoryRecord>> fetches,
                                              Map<String, List<HistoryRecord>> completions,
                                              Map<String, List<HistoryRecord>> acks, Map<Long, Long> faults) {
        Map<String, Integer> lapsed = new TreeMap<>();
        if (leaseMillis == 0) {
            return lapsed;
        }
        fetches.forEach((id, list) -> {
            Set<String> completed = deliveries(completions.get(id));
            Set<String> acked = deliveries(acks.get(id));
            int count = 0;
            for (int i = 0; i + 1 < list.size(); i++) {
                HistoryRecord first = list.get(i);
                String token = first.delivery();
                boolean leased = token.startsWith("l");
                if (leased && !faults.containsKey(first.pid()) && completed.contains(token) && !acked.contains(token)
                        && list.get(i + 1).millis() - first.millis() >= Math.max(leaseMillis - ackWindowMillis, leaseMillis / 2)) {
                    count++;
                }
            }
            if (count > 0) {
                lapsed.put(id, count);
            }
        });
        return lapsed;
    }

    private static Set<String> deliveries(List<HistoryRecord> records) {
        Set<String> tokens = new HashSet<>();
        if (records != null) {
            for (HistoryRecord record : records) {
                if (!record.delivery().equals(HistoryRecord.NO_DELIVERY)) {
                    tokens.add(record.delivery());
                }
            }
        }
        return tokens;
    }

    /** Killed processes with records of their own stamped after their (first) kill. */
    private static Set<Long> activeAfterKill(History history) {
        Map<Long, Long> killedAt = new HashMap<>();
        for (HistoryRecord record : history.records()) {
            if (record.kind() == HistoryRecord.Kind.KILLED) {
                killedAt.merge(record.pid(), record.millis(), Math::min);
            }
        }
        Set<Long> active = new TreeSet<>();
        for (HistoryRecord record : history.records()) {
            HistoryRecord.Kind kind = record.kind();
            Long at = killedAt.get(record.pid());
            if (at != null && kind != HistoryRecord.Kind.KILLED && kind != HistoryRecord.Kind.PAUSED && record.millis() > at) {
                active.add(record.pid());
            }
        }
        return active;
    }

    /**
     * Keeps, per worker, the reaps that began once it was taking tasks (its first fetch, start or completion,
     * or one of its children's): a worker still starting (its process executor's children, say) reaps but
     * does not pop yet, so its reaps say nothing about how soon a live worker takes an expired task.
     */
    private static void keepReapsOfWorkingWorkers(Map<Long, List<Long>> reaps, History history) {
        Map<Long, Long> working = new HashMap<>();
        for (HistoryRecord record : history.records()) {
            HistoryRecord.Kind kind = record.kind();
            if (kind == HistoryRecord.Kind.FETCHED || kind == HistoryRecord.Kind.STARTED || kind == HistoryRecord.Kind.COMPLETED) {
                working.merge(record.pid(), record.millis(), Math::min);
                working.merge(record.ppid(), record.millis(), Math::min);
            }
        }
        reaps.replaceAll((pid, times) -> {
            Long since = working.get(pid);
            return since == null ? List.of() : times.stream().filter(began -> began >= since).toList();
        });
        reaps.values().removeIf(List::isEmpty);
    }

    private static boolean anyBy(List<HistoryRecord> records, Map<Long, Long> faults) {
        if (records == null) {
            return false;
        }
        for (HistoryRecord record : records) {
            if (faults.containsKey(record.pid()) || faults.containsKey(record.ppid())) {
                return true;
            }
        }
        return false;
    }

    private List<Redelivery> redeliveries(Map<String, List<HistoryRecord>> fetches, Map<String, List<HistoryRecord>> starts,
                                          Map<String, List<HistoryRecord>> completions, Map<Long, Long> faults,
                                          Set<String> deadLettered, InFlight inFlight) {
        List<Redelivery> result = new ArrayList<>();
        Set<String> ids = new TreeSet<>(starts.keySet());
        ids.addAll(fetches.keySet());
        for (String id : ids) {
            List<HistoryRecord> started = starts.getOrDefault(id, List.of());
            // victim -> whether the victim had started the task (else it had only fetched it)
            Map<Long, Boolean> held = new TreeMap<>();
            for (HistoryRecord start : started) {
                Long victim = victim(start, faults);
                if (victim != null && start.millis() <= faults.get(victim)
                        && inFlight.at(start, victim, faults.get(victim))) {
                    held.put(victim, true);
                }
            }
            for (HistoryRecord fetch : fetches.getOrDefault(id, List.of())) {
                Long victim = victim(fetch, faults);
                if (victim == null || held.containsKey(victim)) {
                    continue;
                }
                long faultAt = faults.get(victim);
                if (fetch.millis() > faultAt || startedBy(started, victim)) {
                    continue;
                }
                boolean startedMeanwhile = fetch.identified()
                        ? started.stream().anyMatch(start -> start.delivery().equals(fetch.delivery()))
                        : started.stream().anyMatch(start -> start.millis() >= fetch.millis() && start.millis() <= faultAt);
                if (!startedMeanwhile && !completedBefore(completions.get(id), faultAt)) {
                    held.put(victim, false);
                }
            }
            held.forEach((victim, wasStarted) -> {
                long faultAt = faults.get(victim);
                HistoryRecord again = null;
                for (HistoryRecord later : started) {
                    if (later.millis() >= faultAt && !isBy(later, victim)) {
                        again = later;
                        break;
                    }
                }
                if (again != null) {
                    result.add(new Redelivery(id, victim, faultAt, again.millis(), wasStarted,
                            refetched(fetches.get(id), again, faultAt)));
                } else if (!completedBy(completions.get(id), victim) && !deadLettered.contains(id)) {
                    // Held by the victim, never finished there, never run again.
                    result.add(new Redelivery(id, victim, faultAt, -1, wasStarted, -1));
                }
            });
        }
        result.sort(Comparator.comparing(Redelivery::id).thenComparingLong(Redelivery::killedAtMillis));
        return result;
    }

    /**
     * When the worker that ran the task again fetched it: its last fetch of the task (by the worker, or by
     * the parent of the child that ran it) between the fault and the start; the start itself if the
     * history has no such fetch.
     */
    private static long refetched(List<HistoryRecord> fetches, HistoryRecord again, long faultAt) {
        long at = again.millis();
        long best = -1;
        for (HistoryRecord fetch : fetches == null ? List.<HistoryRecord>of() : fetches) {
            boolean byRunner = fetch.pid() == again.pid() || fetch.pid() == again.ppid();
            if (byRunner && fetch.millis() >= faultAt && fetch.millis() <= at) {
                best = Math.max(best, fetch.millis());
            }
        }
        return best >= 0 ? best : at;
    }

    private static boolean isBy(HistoryRecord record, long pid) {
        return record.pid() == pid || record.ppid() == pid;
    }

    private static boolean startedBy(List<HistoryRecord> starts, long victim) {
        return starts.stream().anyMatch(start -> isBy(start, victim));
    }

    private static boolean completedBefore(List<HistoryRecord> completions, long millis) {
        return completions != null && completions.stream().anyMatch(completion -> completion.millis() <= millis);
    }

    private static Long victim(HistoryRecord record, Map<Long, Long> faults) {
        if (faults.containsKey(record.pid())) {
            return record.pid();
        }
        if (faults.containsKey(record.ppid())) {
            return record.ppid();
        }
        return null;
    }

    /**
     * Whether a run (one delivery) of a task by a victim was still in flight at the fault: not yet
     * acknowledged. By identity where the start names its delivery (see the class comment): a leased
     * delivery is in flight unless an ack record of it exists, one that is not leased unless a completion of
     * it exists; for a pause the record must be stamped no later than the pause, for a kill its existence
     * decides (the victim wrote it before it died). A start without a delivery falls back to the estimate by
     * time, and its task is noted in {@link #judgedByTime}: an ack of the task by the victim between this
     * start and its next start of the task (a worker that fetched the task again had lost its earlier lease),
     * or without ack records a completion by the victim more than the ack window before the fault.
     */
    private final class InFlight {

        private final Map<String, List<HistoryRecord>> starts;
        private final Map<String, List<HistoryRecord>> completions;
        private final Map<String, List<HistoryRecord>> acks;
        private final Set<Long> killed;
        private final boolean acksRecorded;
        /** Tasks judged by the estimate by time, because their start named no delivery. */
        final Set<String> judgedByTime = new TreeSet<>();

        InFlight(Map<String, List<HistoryRecord>> starts, Map<String, List<HistoryRecord>> completions,
                 Map<String, List<HistoryRecord>> acks, Set<Long> killed) {
            this.starts = starts;
            this.completions = completions;
            this.acks = acks;
            this.killed = killed;
            this.acksRecorded = !acks.isEmpty();
        }

        boolean at(HistoryRecord start, long victim, long faultAt) {
            if (start.identified()) {
                boolean leased = start.delivery().startsWith("l");
                List<HistoryRecord> settling = (leased ? acks : completions).getOrDefault(start.id(), List.of());
                boolean kill = killed.contains(victim);
                return settling.stream().noneMatch(record -> record.delivery().equals(start.delivery()) && isBy(record, victim)
                        && (kill || record.millis() <= faultAt));
            }
            judgedByTime.add(start.id());
            String id = start.id();
            long from = start.millis();
            // This delivery ends where the victim's next start of the task begins.
            long next = starts.getOrDefault(id, List.of()).stream()
                    .filter(other -> other != start && isBy(other, victim) && other.millis() > from)
                    .mapToLong(HistoryRecord::millis).min().orElse(Long.MAX_VALUE);
            if (acksRecorded) {
                return acks.getOrDefault(id, List.of()).stream().noneMatch(ack -> isBy(ack, victim)
                        && ack.millis() >= from && ack.millis() < next && ack.millis() <= faultAt);
            }
            for (HistoryRecord completion : completions.getOrDefault(id, List.of())) {
                if (isBy(completion, victim) && completion.millis() >= from && completion.millis() < next
                        && faultAt - completion.millis() > ackWindowMillis) {
                    return false;
                }
            }
            return true;
        }
    }

    private static boolean completedBy(List<HistoryRecord> completions, long victim) {
        if (completions == null) {
            return false;
        }
        return completions.stream().anyMatch(record -> isBy(record, victim));
    }
}
