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
 *
 * <ul>
 *   <li><b>lost</b>: pushed (acknowledged) and never completed, and not among the expected dead letters;</li>
 *   <li><b>duplicated</b>: completed more than once (with how many times);</li>
 *   <li><b>unexpected</b>: started or completed but never even attempted by a producer;</li>
 *   <li><b>unacknowledged but delivered</b>: attempted, never acknowledged (the producer died or the push
 *       failed), yet executed; allowed, since the write may land before the acknowledgement is lost;</li>
 *   <li><b>touched by kills</b>: tasks with a record of a killed process (or of one of its children);</li>
 *   <li><b>in flight at kills</b>: tasks a killed process had started and not completed, or completed less
 *       than the ack window before it died (its ack may not have been sent): the only tasks an
 *       at-least-once run may duplicate;</li>
 *   <li><b>redeliveries</b>: for each kill and each task the killed process had started and not completed,
 *       the first start elsewhere after the kill, and its delay from the kill;</li>
 *   <li><b>early runs</b>: starts before a delayed task's due time.</li>
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

    /** A checker with the default ack window. */
    public HistoryChecker() {
        this(DEFAULT_ACK_WINDOW_MILLIS);
    }

    /**
     * A checker with this ack window.
     *
     * @param ackWindowMillis how long before a kill a completion may still lack its ack; not negative
     */
    public HistoryChecker(long ackWindowMillis) {
        if (ackWindowMillis < 0) {
            throw new IllegalArgumentException("the ack window must not be negative: " + ackWindowMillis);
        }
        this.ackWindowMillis = ackWindowMillis;
    }

    /** Checks a history where no task is expected in the dead letters. */
    public HistoryReport check(History history) {
        return check(history, Set.of());
    }

    /**
     * Checks a history.
     *
     * @param deadLettered ids found in the dead letters; they do not count as lost
     */
    public HistoryReport check(History history, Set<String> deadLettered) {
        Objects.requireNonNull(history, "history is null");
        Objects.requireNonNull(deadLettered, "deadLettered is null");
        Set<String> attempted = new HashSet<>();
        Set<String> pushed = new TreeSet<>();
        Map<String, Long> due = new HashMap<>();
        Map<String, List<HistoryRecord>> starts = new HashMap<>();
        Map<String, List<HistoryRecord>> completions = new HashMap<>();
        Map<Long, Long> kills = new LinkedHashMap<>();
        for (HistoryRecord record : history.records()) {
            switch (record.kind()) {
                case ATTEMPTED -> {
                    attempted.add(record.id());
                    if (record.due() > 0) {
                        due.put(record.id(), record.due());
                    }
                }
                case PUSHED -> {
                    pushed.add(record.id());
                    attempted.add(record.id());
                    if (record.due() > 0) {
                        due.put(record.id(), record.due());
                    }
                }
                case STARTED -> starts.computeIfAbsent(record.id(), id -> new ArrayList<>()).add(record);
                case COMPLETED -> completions.computeIfAbsent(record.id(), id -> new ArrayList<>()).add(record);
                case KILLED -> kills.merge(record.pid(), record.millis(), Math::min);
            }
        }
        Comparator<HistoryRecord> byTime = Comparator.comparingLong(HistoryRecord::millis);
        starts.values().forEach(list -> list.sort(byTime));
        completions.values().forEach(list -> list.sort(byTime));

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
            if (anyBy(starts.get(id), kills) || anyBy(completions.get(id), kills)) {
                touched.add(id);
            }
        }
        Set<String> inFlight = new TreeSet<>();
        starts.forEach((id, list) -> {
            for (HistoryRecord start : list) {
                Long victim = victim(start, kills);
                if (victim != null && inFlightAt(completions.get(id), victim, kills.get(victim))) {
                    inFlight.add(id);
                }
            }
        });
        Set<String> duplicatesOutsideKills = new TreeSet<>(duplicated.keySet());
        duplicatesOutsideKills.removeAll(inFlight);
        List<Redelivery> redeliveries = redeliveries(starts, completions, kills);
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
                lost, duplicated, unexpected, unacknowledged, kills.size(), touched, inFlight, duplicatesOutsideKills,
                redeliveries, earlyRuns, startCounts);
    }

    private static boolean anyBy(List<HistoryRecord> records, Map<Long, Long> kills) {
        if (records == null) {
            return false;
        }
        for (HistoryRecord record : records) {
            if (kills.containsKey(record.pid()) || kills.containsKey(record.ppid())) {
                return true;
            }
        }
        return false;
    }

    private static List<Redelivery> redeliveries(Map<String, List<HistoryRecord>> starts,
                                                 Map<String, List<HistoryRecord>> completions, Map<Long, Long> kills) {
        List<Redelivery> result = new ArrayList<>();
        starts.forEach((id, list) -> {
            Set<Long> victims = new TreeSet<>();
            for (HistoryRecord start : list) {
                Long victim = victim(start, kills);
                if (victim != null) {
                    victims.add(victim);
                }
            }
            for (long victim : victims) {
                long killedAt = kills.get(victim);
                HistoryRecord again = null;
                for (HistoryRecord later : list) {
                    if (later.millis() >= killedAt && !Objects.equals(victim(later, kills), victim)) {
                        again = later;
                        break;
                    }
                }
                if (again != null) {
                    result.add(new Redelivery(id, victim, killedAt, again.millis()));
                } else if (!completedBy(completions.get(id), victim)) {
                    // Started by the killed worker, never finished there, never run again.
                    result.add(new Redelivery(id, victim, killedAt, -1));
                }
            }
        });
        result.sort(Comparator.comparing(Redelivery::id));
        return result;
    }

    private static Long victim(HistoryRecord record, Map<Long, Long> kills) {
        if (kills.containsKey(record.pid())) {
            return record.pid();
        }
        if (kills.containsKey(record.ppid())) {
            return record.ppid();
        }
        return null;
    }

    private boolean inFlightAt(List<HistoryRecord> completions, long victim, long killedAt) {
        if (completions == null) {
            return true;
        }
        for (HistoryRecord completion : completions) {
            if ((completion.pid() == victim || completion.ppid() == victim) && killedAt - completion.millis() > ackWindowMillis) {
                return false;
            }
        }
        return true;
    }

    private static boolean completedBy(List<HistoryRecord> completions, long victim) {
        if (completions == null) {
            return false;
        }
        return completions.stream().anyMatch(record -> record.pid() == victim || record.ppid() == victim);
    }
}
