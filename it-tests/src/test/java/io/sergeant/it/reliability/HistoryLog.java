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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
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

    /** One delivery of a task: its id and the token the recording backend gave it. */
    public record Delivered(String id, String delivery) {
    }

    /** Records that a pop of this process's backend returned these deliveries. */
    public void fetched(Collection<Delivered> deliveries) {
        writeDeliveries(HistoryRecord.Kind.FETCHED, deliveries);
    }

    /** Records that an ack of this process's backend settled these leased deliveries. */
    public void acked(Collection<Delivered> deliveries) {
        writeDeliveries(HistoryRecord.Kind.ACKED, deliveries);
    }

    /**
     * Records that a delivery of {@code task} starts running here, with its delivery token and the digest of
     * the kwargs received (without the token the recording backend added).
     */
    public void started(Task task) {
        append(new HistoryRecord(HistoryRecord.Kind.STARTED, idOf(task), PID, PPID, System.currentTimeMillis(), 0,
                TaskDigest.of(pushedKwargs(task)), deliveryOf(task)).toLine());
    }

    /** Records that the delivery of {@code task} finished running here. */
    public void completed(Task task) {
        append(new HistoryRecord(HistoryRecord.Kind.COMPLETED, idOf(task), PID, PPID, System.currentTimeMillis(), 0,
                HistoryRecord.NO_DIGEST, deliveryOf(task)).toLine());
    }

    /** The delivery token the recording backend put in the task's kwargs, or {@value HistoryRecord#NO_DELIVERY}. */
    static String deliveryOf(Task task) {
        return task.kwargs().get(HistoryRecord.DELIVERY_KWARG) instanceof String token && !token.isEmpty()
                && token.indexOf('\t') < 0 && token.indexOf('\n') < 0 && token.indexOf('\r') < 0
                ? token : HistoryRecord.NO_DELIVERY;
    }

    /** The kwargs as the producer pushed them: without the delivery token. */
    private static Map<String, Object> pushedKwargs(Task task) {
        if (!task.kwargs().containsKey(HistoryRecord.DELIVERY_KWARG)) {
            return task.kwargs();
        }
        Map<String, Object> kwargs = new LinkedHashMap<>(task.kwargs());
        kwargs.remove(HistoryRecord.DELIVERY_KWARG);
        return kwargs;
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

    /**
     * Records that this process's pop pipeline sent a pop, and how ({@link HistoryRecord#SENT_AHEAD},
     * {@link HistoryRecord#SENT_DEFERRED} or {@link HistoryRecord#SENT_UNKNOWN}): write it once the send returned.
     */
    public void popSent(String how) {
        append(new HistoryRecord(HistoryRecord.Kind.POP_SENT, how, PID, PPID, System.currentTimeMillis(), 0).toLine());
    }

    /** The {@code id} kwarg of a task of the fault tests. */
    static String idOf(Task task) {
        return String.valueOf(task.kwargs().get("id"));
    }

    private void writeDeliveries(HistoryRecord.Kind kind, Collection<Delivered> deliveries) {
        long now = System.currentTimeMillis();
        StringBuilder lines = new StringBuilder(deliveries.size() * 64);
        for (Delivered delivered : deliveries) {
            lines.append(new HistoryRecord(kind, delivered.id(), PID, PPID, now, 0, HistoryRecord.NO_DIGEST,
                    delivered.delivery()).toLine());
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
