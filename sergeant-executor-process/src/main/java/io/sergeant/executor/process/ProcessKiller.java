package io.sergeant.executor.process;

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
 * One daemon thread that checks the live watches every few milliseconds (a quarter of the timeout,
 * between 5 and 50 ms) and fires those past their deadlines: {@link Killable#interrupt()} once at the
 * timeout, {@link Killable#kill()} once at timeout plus grace period. A target is called under its
 * watch's monitor, so once {@link Watch#close()} has returned the target is never called again (a child
 * process is reused for the next task). Time is {@link System#nanoTime()}, immune to clock changes.
 *
 * <p>Thread safe. {@link #watch} after {@link #close()} throws {@link IllegalStateException}.
 */
final class ProcessKiller implements Killer {

    private static final System.Logger LOG = System.getLogger(ProcessKiller.class.getName());
    private static final long MIN_TICK_NANOS = TimeUnit.MILLISECONDS.toNanos(5);
    private static final long MAX_TICK_NANOS = TimeUnit.MILLISECONDS.toNanos(50);

    private final long timeoutNanos;
    private final long killAfterNanos;
    private final long tickNanos;
    private final Set<ActiveWatch> watches = ConcurrentHashMap.newKeySet();
    private final Thread thread;
    private volatile boolean closed;

    ProcessKiller(Timeouts timeouts) {
        Objects.requireNonNull(timeouts, "timeouts is null");
        this.timeoutNanos = saturated(timeouts.timeout().toNanos());
        this.killAfterNanos = saturated(timeoutNanos + saturated(timeouts.gracePeriod().toNanos()));
        this.tickNanos = Math.max(MIN_TICK_NANOS, Math.min(MAX_TICK_NANOS, timeoutNanos / 4));
        if (!timeouts.enabled()) {
            this.thread = null;
            return;
        }
        this.thread = new Thread(this::checkLoop, "sergeant-process-killer");
        thread.setDaemon(true);
        thread.start();
    }

    @Override
    public Watch watch(Killable target) {
        Objects.requireNonNull(target, "target is null");
        if (closed) {
            throw new IllegalStateException("the process killer is closed; create a new killer to watch more tasks");
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
            thread.join(2_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
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

    private static long saturated(long nanos) {
        return nanos < 0 ? Long.MAX_VALUE / 4 : Math.min(nanos, Long.MAX_VALUE / 4);
    }

    /** The watch of one task; its state changes under its own monitor. */
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

        /** Fires what is due; true when nothing is left to do. */
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
                done = true;
                call(target::kill, "kill");
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
                LOG.log(Level.ERROR, "the process killer could not " + what + " a timed-out task: " + e, e);
            }
        }
    }

    /** The watch of a killer with timeouts disabled. */
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
