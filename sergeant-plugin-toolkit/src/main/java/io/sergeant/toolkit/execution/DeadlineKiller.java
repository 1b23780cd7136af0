package io.sergeant.toolkit.execution;

import io.sergeant.api.config.Timeouts;
import io.sergeant.spi.execution.Killable;
import io.sergeant.spi.execution.Killer;
import io.sergeant.spi.execution.Watch;

import java.lang.System.Logger.Level;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * The timing engine shared by the thread and process killers (and available to third-party
 * executors): one daemon thread scans the live watches every few milliseconds (a quarter of the
 * timeout, between 5 and 50 ms) and fires those past their deadlines: {@link Killable#interrupt()}
 * once at the timeout, {@link Killable#kill()} once at timeout plus grace period. What interrupting and
 * killing mean is the {@link Killable}'s business (a thread interrupt, a frame to a child process, a
 * forced kill). Time is {@link System#nanoTime()}, immune to clock changes. Watching a task costs one small object and one concurrent-set insert and
 * removal, so it suits millions of short tasks; the scan is over running tasks only (at most the
 * executor's concurrency).
 *
 * <p>Guarantee relied on by the thread executor: once {@link Watch#close()} has returned, the killer
 * never calls that watch's target again (it fires under the watch's monitor), so an interrupt meant
 * for a finished task can never reach the next task run on the same thread.
 *
 * <p>Thread safe. {@link #watch} after {@link #close()} throws {@link IllegalStateException}.
 */
public final class DeadlineKiller implements Killer {

    private static final System.Logger LOG = System.getLogger(DeadlineKiller.class.getName());
    private static final long MIN_TICK_NANOS = TimeUnit.MILLISECONDS.toNanos(5);
    private static final long MAX_TICK_NANOS = TimeUnit.MILLISECONDS.toNanos(50);
    private static final long JOIN_MILLIS = 2_000;

    private final String name;
    private final long timeoutNanos;
    private final long killAfterNanos;
    private final long tickNanos;
    private final Set<ActiveWatch> watches = ConcurrentHashMap.newKeySet();
    private final Thread thread;
    private volatile boolean closed;

    /**
     * A killer enforcing {@code timeouts}; with timeouts disabled it starts no thread and its watches
     * never fire.
     *
     * @param name the kind of killer, for its thread's name and messages (for example {@code thread})
     */
    public DeadlineKiller(Timeouts timeouts, String name) {
        this.name = Objects.requireNonNull(name, "name is null");
        Objects.requireNonNull(timeouts, "timeouts is null");
        this.timeoutNanos = saturatedNanos(timeouts.timeout().toNanos());
        this.killAfterNanos = saturatedNanos(timeoutNanos + saturatedNanos(timeouts.gracePeriod().toNanos()));
        this.tickNanos = Math.max(MIN_TICK_NANOS, Math.min(MAX_TICK_NANOS, timeoutNanos / 4));
        if (!timeouts.enabled()) {
            this.thread = null;
            return;
        }
        this.thread = new Thread(this::checkLoop, "sergeant-" + name + "-killer");
        thread.setDaemon(true);
        thread.start();
    }

    @Override
    public Watch watch(Killable target) {
        Objects.requireNonNull(target, "target is null");
        if (closed) {
            throw new IllegalStateException("the " + name + " killer is closed; create a new killer to watch more tasks");
        }
        if (thread == null) {
            return InertWatch.INSTANCE;
        }
        long start = System.nanoTime();
        ActiveWatch watch = new ActiveWatch(target, start + timeoutNanos, start + killAfterNanos);
        watches.add(watch);
        return watch;
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        watches.forEach(ActiveWatch::close);
        if (thread == null || thread == Thread.currentThread()) {
            return;
        }
        LockSupport.unpark(thread);
        try {
            thread.join(JOIN_MILLIS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Whether this killer runs a checking thread (false when timeouts are disabled). */
    public boolean threadStarted() {
        return thread != null;
    }

    private void checkLoop() {
        while (!closed) {
            LockSupport.parkNanos(this, tickNanos);
            long now = System.nanoTime();
            for (ActiveWatch watch : watches) {
                if (closed) {
                    return;
                }
                if (watch.check(now)) {
                    watches.remove(watch);
                }
            }
        }
    }

    private static long saturatedNanos(long nanos) {
        // Durations beyond ~292 years overflow the nanosecond arithmetic; they mean "never" anyway.
        return nanos < 0 ? Long.MAX_VALUE / 4 : Math.min(nanos, Long.MAX_VALUE / 4);
    }

    /** The watch of a task while timeouts are enabled; its state changes under its own monitor. */
    private final class ActiveWatch implements Watch {

        private final Killable target;
        private final long timeoutAt;
        private final long killAt;
        private volatile boolean timedOut;
        private volatile boolean killed;
        private boolean done;

        ActiveWatch(Killable target, long timeoutAt, long killAt) {
            this.target = target;
            this.timeoutAt = timeoutAt;
            this.killAt = killAt;
        }

        /** Fires what is due; returns true when nothing is left to do for this watch. */
        synchronized boolean check(long now) {
            if (done) {
                return true;
            }
            if (!timedOut && now - timeoutAt >= 0) {
                timedOut = true;
                call(target::interrupt, "interrupt");
            }
            if (!killed && now - killAt >= 0) {
                killed = true;
                call(target::kill, "kill");
                done = true;
            }
            return done;
        }

        @Override
        public boolean timedOut() {
            return timedOut;
        }

        @Override
        public boolean killed() {
            return killed;
        }

        @Override
        public void close() {
            synchronized (this) {
                done = true;
            }
            watches.remove(this);
        }

        private void call(Runnable action, String what) {
            try {
                action.run();
            } catch (RuntimeException | Error e) {
                // The killer thread must survive a failing target, or no other task would time out.
                LOG.log(Level.ERROR, name + " killer could not " + what + " a timed-out task: " + e, e);
            }
        }
    }

    /** The watch of a killer with timeouts disabled: never fires, closing does nothing. */
    private static final class InertWatch implements Watch {

        static final InertWatch INSTANCE = new InertWatch();

        @Override
        public boolean timedOut() {
            return false;
        }

        @Override
        public boolean killed() {
            return false;
        }

        @Override
        public void close() {
        }
    }
}
