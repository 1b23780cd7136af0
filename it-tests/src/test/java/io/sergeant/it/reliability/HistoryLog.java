package io.sergeant.it.reliability;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Collection;
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

    /** Records that the given tasks are about to be pushed (before push() is called). */
    public void attempted(Collection<String> ids, long due) {
        write(HistoryRecord.Kind.ATTEMPTED, ids, due);
    }

    /** Records that push() of the given tasks returned (the backend acknowledged the write). */
    public void pushed(Collection<String> ids, long due) {
        write(HistoryRecord.Kind.PUSHED, ids, due);
    }

    /** Records that a delivery of {@code id} starts running here. */
    public void started(String id) {
        write(HistoryRecord.Kind.STARTED, java.util.List.of(id), 0);
    }

    /** Records that a delivery of {@code id} finished running here. */
    public void completed(String id) {
        write(HistoryRecord.Kind.COMPLETED, java.util.List.of(id), 0);
    }

    /** Records that process {@code pid} is being killed with SIGKILL now (write it just before the signal). */
    public void killed(long killedPid) {
        append(new HistoryRecord(HistoryRecord.Kind.KILLED, "-", killedPid, 0, System.currentTimeMillis(), 0).toLine());
    }

    private void write(HistoryRecord.Kind kind, Collection<String> ids, long due) {
        long now = System.currentTimeMillis();
        StringBuilder lines = new StringBuilder(ids.size() * 40);
        for (String id : ids) {
            lines.append(new HistoryRecord(kind, id, PID, PPID, now, due).toLine());
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
