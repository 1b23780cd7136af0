package io.sergeant.it.reliability;

import io.sergeant.api.Task;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Collection;
import java.util.List;
import java.util.Objects;

/**
 * Appends {@link HistoryRecord}s of this process to a file of its own in a history directory
 * ({@code <role>-<pid>-<nanos>.history}). Each record (or small batch) is one {@code write(2)} to a file
 * opened in append mode, so everything written before a {@code kill -9} is in the page cache and
 * survives the process; at worst the kill cuts the last line, which {@link History} tolerates.
 *
 * <p>Thread safe (writes are serialized). Methods throw {@link UncheckedIOException} when the file
 * cannot be written; {@link #close()} is idempotent.
 */
public final class HistoryLog implements AutoCloseable {

    private static final long PID = ProcessHandle.current().pid();
    private static final long PPID = ProcessHandle.current().parent().map(ProcessHandle::pid).orElse(0L);

    private final Path file;
    private final FileChannel channel;

    private HistoryLog(Path file) throws IOException {
        this.file = file;
        this.channel = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
    }

    /**
     * Opens a new history file for this process in {@code directory} (created if missing).
     *
     * @param role a word naming the writer, for example {@code worker}, {@code producer}, {@code test}
     */
    public static HistoryLog open(Path directory, String role) {
        Objects.requireNonNull(directory, "directory is null");
        Objects.requireNonNull(role, "role is null");
        try {
            Files.createDirectories(directory);
            return new HistoryLog(directory.resolve(role + "-" + PID + "-" + System.nanoTime() + History.SUFFIX));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open a history file in " + directory, e);
        }
    }

    /** The file written. */
    public Path file() {
        return file;
    }

    /** This process's id, as written in its records. */
    public static long pid() {
        return PID;
    }

    /** Records that the given tasks (with {@code id} in their kwargs) are about to be pushed (before push() is called). */
    public void attempted(List<Task> tasks, long due) {
        writeTasks(HistoryRecord.Kind.ATTEMPTED, tasks, due);
    }

    /** Records that push() of the given tasks returned (the backend acknowledged the write). */
    public void pushed(List<Task> tasks, long due) {
        writeTasks(HistoryRecord.Kind.PUSHED, tasks, due);
    }

    /** Records that a pop of this process's backend returned the given task ids. */
    public void fetched(Collection<String> ids) {
        writeIds(HistoryRecord.Kind.FETCHED, ids);
    }

    /** Records that an ack of this process's backend settled the leased deliveries of the given task ids. */
    public void acked(Collection<String> ids) {
        writeIds(HistoryRecord.Kind.ACKED, ids);
    }

    /** Records that a delivery of {@code task} starts running here, with the digest of the kwargs received. */
    public void started(Task task) {
        String id = idOf(task);
        append(new HistoryRecord(HistoryRecord.Kind.STARTED, id, PID, PPID, System.currentTimeMillis(), 0,
                TaskDigest.of(task.kwargs())).toLine());
    }

    /** Records that a delivery of {@code id} finished running here. */
    public void completed(String id) {
        append(new HistoryRecord(HistoryRecord.Kind.COMPLETED, id, PID, PPID, System.currentTimeMillis(), 0).toLine());
    }

    /** Records a reap of expired leases by this process that began at {@code beganMillis} (write it once it returned). */
    public void reaped(long beganMillis) {
        append(new HistoryRecord(HistoryRecord.Kind.REAPED, "-", PID, PPID, beganMillis, 0).toLine());
    }

    /**
     * Records that process {@code pid} was killed with SIGKILL: written once the signal was sent (so all of
     * the victim's records precede it), or just before a process kills itself.
     */
    public void killed(long killedPid) {
        append(new HistoryRecord(HistoryRecord.Kind.KILLED, "-", killedPid, 0, System.currentTimeMillis(), 0).toLine());
    }

    /** Records that process {@code pid} is being paused with SIGSTOP now (write it just before the signal). */
    public void paused(long pausedPid) {
        append(new HistoryRecord(HistoryRecord.Kind.PAUSED, "-", pausedPid, 0, System.currentTimeMillis(), 0).toLine());
    }

    /** The {@code id} kwarg of a task of the fault tests. */
    static String idOf(Task task) {
        return String.valueOf(task.kwargs().get("id"));
    }

    private void writeIds(HistoryRecord.Kind kind, Collection<String> ids) {
        long now = System.currentTimeMillis();
        StringBuilder lines = new StringBuilder(ids.size() * 48);
        for (String id : ids) {
            lines.append(new HistoryRecord(kind, id, PID, PPID, now, 0).toLine());
        }
        append(lines.toString());
    }

    private void writeTasks(HistoryRecord.Kind kind, List<Task> tasks, long due) {
        long now = System.currentTimeMillis();
        StringBuilder lines = new StringBuilder(tasks.size() * 64);
        for (Task task : tasks) {
            lines.append(new HistoryRecord(kind, idOf(task), PID, PPID, now, due, TaskDigest.of(task.kwargs())).toLine());
        }
        append(lines.toString());
    }

    private synchronized void append(String text) {
        ByteBuffer buffer = ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8));
        try {
            while (buffer.hasRemaining()) {
                channel.write(buffer);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot append to the history file " + file, e);
        }
    }

    @Override
    public synchronized void close() {
        try {
            channel.close();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot close the history file " + file, e);
        }
    }
}
