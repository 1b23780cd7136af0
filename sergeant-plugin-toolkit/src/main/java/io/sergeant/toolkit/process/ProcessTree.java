package io.sergeant.toolkit.process;

import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

/** Forceful ends of processes and their descendants, always reaped so no zombie remains. Stateless. */
public final class ProcessTree {

    private ProcessTree() {
    }

    /**
     * Kills a process and every descendant it has now (SIGKILL on Unix). The descendants are listed
     * before the process dies, because once it is gone they are re-parented and no longer found. Does
     * not wait; see {@link #awaitExit}.
     *
     * @throws NullPointerException when {@code process} is null
     */
    public static void destroyForcibly(Process process) {
        Objects.requireNonNull(process, "process is null");
        List<ProcessHandle> descendants = process.descendants().toList();
        process.destroyForcibly();
        descendants.forEach(ProcessHandle::destroyForcibly);
    }

    /**
     * Waits up to {@code bound} for the process to exit, kills its tree by force when it has not, and
     * returns its exit status (128 + signal for a signal on Unix). Keeps the interrupt flag.
     *
     * @throws NullPointerException when an argument is null
     */
    public static int awaitExit(Process process, Duration bound) {
        Objects.requireNonNull(process, "process is null");
        Objects.requireNonNull(bound, "bound is null");
        boolean interrupted = false;
        try {
            try {
                if (process.waitFor(bound.toMillis(), TimeUnit.MILLISECONDS)) {
                    return process.exitValue();
                }
            } catch (InterruptedException e) {
                interrupted = true;
            }
            destroyForcibly(process);
            while (true) {
                try {
                    return process.waitFor();
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
