package io.sergeant.toolkit.process;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Forceful ends of processes and their descendants, always reaped so no zombie remains, and process
 * groups, so that what a task started dies with the process that ran it even after it was re-parented.
 * Stateless.
 */
public final class ProcessTree {

    /** {@code setsid} (util-linux), which starts a command as the leader of a new session and process group. */
    private static final Optional<Path> SETSID = Stream.of("/usr/bin/setsid", "/bin/setsid").map(Path::of)
            .filter(Files::isExecutable).findFirst();
    private static final Optional<Path> KILL = Stream.of("/usr/bin/kill", "/bin/kill").map(Path::of)
            .filter(Files::isExecutable).findFirst();

    private ProcessTree() {
    }

    /**
     * The command, started as the leader of its own process group where the platform allows it (Linux
     * with {@code setsid}), so that {@link #destroyGroup} can later end every process it started, even
     * those re-parented after it died. {@code setsid} execs the command in place (a process started by
     * the JVM is not a group leader), so the started process's pid is the command's and the group's id.
     * Elsewhere the command is returned unchanged and {@link #grouped} is false.
     *
     * @throws NullPointerException when {@code command} is null
     */
    public static List<String> inOwnGroup(List<String> command) {
        Objects.requireNonNull(command, "command is null");
        if (!grouped()) {
            return command;
        }
        List<String> wrapped = new ArrayList<>(command.size() + 1);
        wrapped.add(SETSID.get().toString());
        wrapped.addAll(command);
        return wrapped;
    }

    /** Whether {@link #inOwnGroup} starts commands in their own process group on this platform. */
    public static boolean grouped() {
        return SETSID.isPresent() && KILL.isPresent();
    }

    /**
     * Sends SIGKILL to every process left in the group of a leader started through {@link #inOwnGroup},
     * once the leader has exited and been reaped (so its pid cannot have been reused by another group).
     * Waits up to two seconds for {@code kill}; does nothing when groups are not used or none is left.
     *
     * @throws NullPointerException when {@code leader} is null
     */
    public static void destroyGroup(Process leader) {
        Objects.requireNonNull(leader, "leader is null");
        if (!grouped() || leader.isAlive()) {
            return;
        }
        try {
            Process kill = new ProcessBuilder(KILL.get().toString(), "-KILL", "--", "-" + leader.pid())
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            if (!kill.waitFor(2, TimeUnit.SECONDS)) {
                kill.destroyForcibly();
            }
        } catch (IOException e) {
            // Nothing else can reach the group; what is left runs on, as it would without groups.
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Sends SIGKILL to every other process of this process's group, when this process leads its group
     * (as a process started through {@link #inOwnGroup} does): what it started, even re-parented after
     * an intermediate process exited, dies, and this process lives on to exit as it means to. For a
     * process whose parent is gone, which would have ended the group (see {@link #destroyGroup}). Does
     * nothing when this process does not lead its group (the group is then someone else's), when
     * groups are not used, or off Linux (the members are found in {@code /proc}). Does not wait.
     */
    public static void destroyOwnGroup() {
        long self = ProcessHandle.current().pid();
        if (!grouped() || groupOf(self) != self) {
            return;
        }
        ProcessHandle.allProcesses().filter(process -> process.pid() != self && groupOf(process.pid()) == self)
                .forEach(ProcessHandle::destroyForcibly);
    }

    /** The process group id of a process (field 5 of {@code /proc/<pid>/stat}), or -1 when it cannot be read. */
    private static long groupOf(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            // The command name, in parentheses, may hold spaces and parentheses: the fields follow the last ')'.
            String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return Long.parseLong(fields[2]);
        } catch (IOException | RuntimeException e) {
            return -1; // gone meanwhile, not Linux, or unreadable: not one to kill
        }
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
