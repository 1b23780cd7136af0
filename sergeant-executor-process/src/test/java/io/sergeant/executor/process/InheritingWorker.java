package io.sergeant.executor.process;

import io.sergeant.api.Task;
import io.sergeant.testkit.workers.ScriptWorker;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The testkit's scripted worker plus the action {@code spawn-inheriting}: the task starts
 * {@code sleep 600} with the child's stdin, stdout and stderr, through a shell in a new session that exits
 * at once: the sleep leaves the child's process group (no group kill finds it) and is no descendant of the
 * child (re-parented, no kill of the child's descendants finds it either). The task writes the sleep's pid
 * to {@code events/inheriting-<pid>} and returns.
 */
public class InheritingWorker extends ScriptWorker {

    /** For child processes: the directory comes from {@value ScriptWorker#DIR_PROPERTY}. */
    public InheritingWorker() {
        super();
    }

    @Override
    protected void perform(String action, Task task) throws Exception {
        if (!action.equals("spawn-inheriting")) {
            super.perform(action, task);
            return;
        }
        Path events = Path.of(System.getProperty(DIR_PROPERTY)).resolve("events");
        Path pidFile = events.resolve("inheriting.pid");
        // A background job's stdin is /dev/null unless given explicitly: fd 3 carries the inherited one.
        Process shell = new ProcessBuilder("setsid", "sh", "-c", "exec 3<&0; sleep 600 <&3 3<&- & echo $! > \"$0\"",
                pidFile.toString()).inheritIO().start();
        if (shell.waitFor() != 0) {
            throw new IllegalStateException("the shell starting the sleep exited with " + shell.exitValue());
        }
        long sleep = Long.parseLong(Files.readString(pidFile).trim());
        Files.delete(pidFile);
        Files.writeString(events.resolve("inheriting-" + sleep), "");
    }
}
