package io.sergeant.executor.process;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Forceful ends of child processes, always reaped so no zombie remains. Stateless. */
final class ProcessTree {

    private ProcessTree() {
    }

    /**
     * Kills a process and every descendant it has now (SIGKILL on Unix). The descendants are listed
     * before the process dies, because once it is gone they are re-parented and no longer found.
     */
    static void destroyForcibly(Process process) {
        List<ProcessHandle> descendants = process.descendants().toList();
        process.destroyForcibly();
        descendants.forEach(ProcessHandle::destroyForcibly);
    }

    /**
     * Waits up to {@code bound} for the process to exit, kills its tree by force when it has not, and
     * returns its exit status (128 + signal for a signal on Unix). Keeps the interrupt flag.
     */
    static int awaitExit(Process process, Duration bound) {
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
