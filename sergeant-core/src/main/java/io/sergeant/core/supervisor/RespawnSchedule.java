package io.sergeant.core.supervisor;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * When the supervisor replaces a worker that died: at once after a worker that lived at least the
 * backoff's reset time, otherwise after the backoff's delay for the number of young deaths in a row
 * (logged with its reason); and the replacements still waiting for their delay. Used by the supervising
 * thread only.
 */
final class RespawnSchedule {

    private static final Logger log = LoggerFactory.getLogger(Supervisor.class);

    private final RespawnBackoff backoff;
    /** Workers in a row that died before living {@link RespawnBackoff#resetAfter()}. */
    private int youngDeaths;
    private final List<Pending> pending = new ArrayList<>();

    RespawnSchedule(RespawnBackoff backoff) {
        this.backoff = backoff;
    }

    /** A replacement waiting for its backoff delay. */
    private record Pending(SupervisedWorker old, long dueNanos) {
    }

    /**
     * Schedules the replacement of {@code old}, which just died; true if it is due now (the caller starts
     * it), false if it waits for a backoff delay ({@link #takeDue()} hands it out later).
     */
    boolean schedule(SupervisedWorker old) {
        Duration lived = Duration.between(old.started(), Instant.now());
        if (lived.compareTo(backoff.resetAfter()) >= 0) {
            youngDeaths = 0;
            return true;
        }
        youngDeaths++;
        Duration delay = backoff.delay(youngDeaths);
        log.atWarn().addKeyValue("pid", old.pid()).addKeyValue("lived_ms", lived.toMillis())
                .addKeyValue("young_deaths", youngDeaths).addKeyValue("delay_ms", delay.toMillis())
                .log("respawning worker({}) in {} ms: it lived {} ms, the {} worker in a row to die within {} (the delay"
                        + " doubles up to {} and resets once a worker lives {})", old.pid(), delay.toMillis(), lived.toMillis(),
                        ordinal(youngDeaths), backoff.resetAfter(), backoff.max(), backoff.resetAfter());
        pending.add(new Pending(old, System.nanoTime() + delay.toNanos()));
        return false;
    }

    /** The dead workers whose replacement's delay has passed, removed from the schedule. */
    List<SupervisedWorker> takeDue() {
        List<SupervisedWorker> due = new ArrayList<>();
        long now = System.nanoTime();
        for (Iterator<Pending> it = pending.iterator(); it.hasNext(); ) {
            Pending next = it.next();
            if (now - next.dueNanos() >= 0) {
                it.remove();
                due.add(next.old());
            }
        }
        return due;
    }

    /** Whether no replacement is waiting. */
    boolean isEmpty() {
        return pending.isEmpty();
    }

    /** Drops every waiting replacement (a stop began). */
    void clear() {
        pending.clear();
    }

    static String ordinal(int n) {
        int mod100 = n % 100;
        String suffix = mod100 >= 11 && mod100 <= 13 ? "th" : switch (n % 10) {
            case 1 -> "st";
            case 2 -> "nd";
            case 3 -> "rd";
            default -> "th";
        };
        return n + suffix;
    }
}
