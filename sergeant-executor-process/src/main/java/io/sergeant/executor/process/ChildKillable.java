package io.sergeant.executor.process;

import io.sergeant.spi.execution.Killable;
import io.sergeant.toolkit.process.ProcessTree;

import java.io.IOException;
import java.lang.System.Logger.Level;

/**
 * What the killer may do to the task a child runs: {@link #interrupt()} sends the child an interrupt frame
 * for that task, {@link #kill()} marks the task killed and kills the child by force. Both are no-ops once
 * the child moved on to another task or died, so a late call never reaches the next task. Thread safe.
 */
final class ChildKillable implements Killable {

    private static final System.Logger LOG = System.getLogger(ChildKillable.class.getName());

    private final ChildProcess child;
    private final Job job;

    ChildKillable(ChildProcess child, Job job) {
        this.child = child;
        this.job = job;
    }

    @Override
    public void interrupt() {
        synchronized (child) {
            if (child.current != job || child.dead) {
                return;
            }
            try {
                child.send(Frames.INTERRUPT, job.sequence, new byte[0], null);
            } catch (IOException e) {
                LOG.log(Level.DEBUG, "could not ask " + child + " to interrupt its task: " + e);
            }
        }
    }

    @Override
    public void kill() {
        synchronized (child) {
            if (child.current != job || child.dead) {
                return;
            }
            job.killed = true;
        }
        LOG.log(Level.WARNING, "a task ignored its interrupt past the grace period; killing " + child);
        ProcessTree.destroyForcibly(child.process);
    }
}
