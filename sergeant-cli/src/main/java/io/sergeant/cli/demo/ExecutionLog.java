package io.sergeant.cli.demo;

import io.sergeant.api.ErrorCode;
import io.sergeant.api.SergeantException;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.BitSet;
import java.util.Objects;
import java.util.UUID;

/**
 * The demo's record of executed tasks: every worker process appends the id of each task it ran, as
 * an 8-byte big-endian long, to its own file {@code executed-<pid>-<random>.ids} in the demo
 * directory. Each record is written with one {@code write} call before the task is acknowledged, so
 * a record survives even a killed process; the demo reads the union of the files to check that every
 * task ran exactly once.
 *
 * <p>{@link #record} is thread safe (a {@link FileChannel} in append mode serializes writes); the
 * static readers may run while workers still write, and then see a consistent prefix.
 */
public final class ExecutionLog implements AutoCloseable {

    private static final String PREFIX = "executed-";
    private static final String SUFFIX = ".ids";

    private final FileChannel channel;
    private final Path file;

    private ExecutionLog(Path file) throws IOException {
        this.file = file;
        this.channel = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE,
                StandardOpenOption.APPEND);
    }

    /**
     * Creates this process's log file in {@code directory}.
     *
     * @throws SergeantException {@code INVALID_CONFIGURATION} when the directory cannot be written
     */
    public static ExecutionLog create(Path directory) {
        Objects.requireNonNull(directory, "directory is null");
        Path file = directory.resolve(PREFIX + ProcessHandle.current().pid() + "-" + UUID.randomUUID() + SUFFIX);
        try {
            return new ExecutionLog(file);
        } catch (IOException e) {
            throw new SergeantException(ErrorCode.INVALID_CONFIGURATION,
                    "cannot create the demo's execution log " + file + ": " + e + "; check that the directory exists and is writable", e);
        }
    }

    /** This process's log file. */
    public Path file() {
        return file;
    }

    /**
     * Appends one task id.
     *
     * @throws SergeantException {@code INTERNAL_ERROR} when the write fails
     */
    public void record(long id) {
        ByteBuffer buffer = ByteBuffer.allocate(Long.BYTES).putLong(0, id);
        try {
            while (buffer.hasRemaining()) {
                channel.write(buffer);
            }
        } catch (IOException e) {
            throw new SergeantException(ErrorCode.INTERNAL_ERROR, "cannot append to " + file + ": " + e, e);
        }
    }

    /** Closes the file; records already written stay. */
    @Override
    public void close() {
        try {
            channel.close();
        } catch (IOException e) {
            throw new SergeantException(ErrorCode.INTERNAL_ERROR, "cannot close " + file + ": " + e, e);
        }
    }

    /**
     * How many executions all logs in {@code directory} hold so far (from file sizes; cheap).
     *
     * @throws SergeantException {@code INTERNAL_ERROR} when the directory cannot be listed
     */
    public static long executions(Path directory) {
        long bytes = 0;
        try (DirectoryStream<Path> files = Files.newDirectoryStream(directory, PREFIX + "*" + SUFFIX)) {
            for (Path file : files) {
                bytes += Files.size(file) / Long.BYTES * Long.BYTES;
            }
        } catch (IOException e) {
            throw new SergeantException(ErrorCode.INTERNAL_ERROR, "cannot read the execution logs in " + directory + ": " + e, e);
        }
        return bytes / Long.BYTES;
    }

    /**
     * Reads every log in {@code directory} and checks the executions of the task ids {@code 0 .. total-1}.
     *
     * @throws SergeantException {@code INTERNAL_ERROR} when a log cannot be read
     */
    public static Verdict verify(Path directory, int total) {
        BitSet seen = new BitSet(total);
        long executions = 0;
        long duplicates = 0;
        long unexpected = 0;
        int files = 0;
        try (DirectoryStream<Path> logs = Files.newDirectoryStream(directory, PREFIX + "*" + SUFFIX)) {
            for (Path log : logs) {
                files++;
                try (InputStream in = Files.newInputStream(log)) {
                    byte[] bytes = in.readAllBytes();
                    ByteBuffer buffer = ByteBuffer.wrap(bytes);
                    while (buffer.remaining() >= Long.BYTES) {
                        long id = buffer.getLong();
                        executions++;
                        if (id < 0 || id >= total) {
                            unexpected++;
                        } else if (seen.get((int) id)) {
                            duplicates++;
                        } else {
                            seen.set((int) id);
                        }
                    }
                }
            }
        } catch (IOException e) {
            throw new SergeantException(ErrorCode.INTERNAL_ERROR, "cannot read the execution logs in " + directory + ": " + e, e);
        }
        int distinct = seen.cardinality();
        return new Verdict(total, executions, distinct, duplicates, total - distinct, unexpected, files);
    }

    /**
     * The result of {@link #verify}.
     *
     * @param total      tasks pushed
     * @param executions executions recorded
     * @param distinct   distinct task ids executed
     * @param duplicates executions of an id already executed
     * @param missing    ids never executed
     * @param unexpected executions of ids outside {@code 0 .. total-1}
     * @param processes  how many worker processes recorded (log files)
     */
    public record Verdict(long total, long executions, long distinct, long duplicates, long missing, long unexpected,
                          int processes) {

        /** Whether every task ran exactly once and nothing else ran. */
        public boolean exactlyOnce() {
            return duplicates == 0 && missing == 0 && unexpected == 0;
        }
    }
}
