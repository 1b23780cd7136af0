package io.sergeant.executor.process;

import io.sergeant.api.ErrorCode;
import io.sergeant.api.SergeantException;
import io.sergeant.toolkit.process.ProcessTree;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The parent's handle on one child JVM: its process, its channel, and the task it runs. The fields
 * {@link #current}, {@link #dead} and writes to the channel are guarded by this object's monitor;
 * reads of the channel happen on the child's single reader thread only.
 */
final class ChildProcess {

    final Process process;
    final long pid;
    private final DataOutputStream out;
    private final DataInputStream in;

    /** The task running in the child, or null when idle. Guarded by this. */
    Job current;
    /** Whether the child's end was seen. Guarded by this. */
    boolean dead;
    /** Whether the executor asked the child to shut down. Guarded by the executor's lock. */
    boolean shuttingDown;

    private ChildProcess(Process process, DataOutputStream out, DataInputStream in) {
        this.process = process;
        this.pid = process.pid();
        this.out = out;
        this.in = in;
    }

    /**
     * Starts a child with this command and waits until its worker is initialized.
     *
     * @throws SergeantException {@code EXECUTION_FAILED} when the JVM cannot start, the worker cannot be
     *         opened in it, or it is not ready within {@code startTimeout}; the process is then reaped
     */
    static ChildProcess start(List<String> command, Duration startTimeout) {
        Process process;
        try {
            // Its own process group: what its tasks start is killed with it (onChildEnd), even re-parented.
            process = new ProcessBuilder(ProcessTree.inOwnGroup(command)).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        } catch (IOException e) {
            throw new SergeantException(ErrorCode.EXECUTION_FAILED, "cannot start a child JVM with '" + command.get(0)
                    + "': " + e.getMessage() + "; check that the java executable exists and is runnable", e);
        }
        ChildProcess child = new ChildProcess(process,
                new DataOutputStream(new BufferedOutputStream(process.getOutputStream(), 1 << 16)),
                new DataInputStream(new BufferedInputStream(process.getInputStream(), 1 << 16)));
        AtomicBoolean ready = new AtomicBoolean();
        CompletableFuture.runAsync(() -> {
            if (!ready.get()) {
                ProcessTree.destroyForcibly(process);
            }
        }, CompletableFuture.delayedExecutor(startTimeout.toMillis(), TimeUnit.MILLISECONDS));
        Frames.Frame frame;
        try {
            frame = Frames.read(child.in);
        } catch (IOException e) {
            frame = null;
        }
        if (frame != null && frame.type() == Frames.READY) {
            ready.set(true);
            return child;
        }
        ready.set(true);
        boolean failed = frame != null && frame.type() == Frames.FAILED;
        String why = failed
                ? "it could not open the worker: " + new String(frame.payload(), StandardCharsets.UTF_8)
                : "it was not ready within " + startTimeout + " or exited first";
        if (!failed) {
            ProcessTree.destroyForcibly(process);
        }
        // A child that reported its failure exits by itself at once; awaitExit kills it if it does not.
        int status = ProcessTree.awaitExit(process, Duration.ofSeconds(5));
        ProcessTree.destroyGroup(process);
        throw new SergeantException(ErrorCode.EXECUTION_FAILED, "child JVM pid " + child.pid + " failed to start (exit "
                + status + "): " + why + "; its stderr, above, has the details");
    }

    /** Writes one frame to the child. Call while holding this object's monitor. */
    void send(byte type, long sequence, byte[] payload) throws IOException {
        Frames.write(out, type, sequence, payload);
    }

    /** Asks the child to finalize its worker and exit; a no-op once it is dead, and logged when the channel broke. */
    synchronized void requestShutdown() {
        if (dead) {
            return;
        }
        try {
            send(Frames.SHUTDOWN, 0, new byte[0]);
        } catch (IOException e) {
            System.getLogger(ChildProcess.class.getName()).log(System.Logger.Level.DEBUG,
                    "could not ask " + this + " to shut down: " + e);
        }
    }

    /**
     * Asks every child to finalize its worker and exit, and waits for them all until a common deadline
     * {@code timeout} from now; a child still alive then is killed. Logs a child that exits with a
     * non-zero status.
     */
    static void stopAll(List<ChildProcess> children, Duration timeout) {
        children.forEach(ChildProcess::requestShutdown);
        long deadline = System.nanoTime() + timeout.toNanos();
        for (ChildProcess child : children) {
            Duration left = Duration.ofNanos(Math.max(0, deadline - System.nanoTime()));
            int status = ProcessTree.awaitExit(child.process, left);
            if (status != 0) {
                System.getLogger(ChildProcess.class.getName()).log(System.Logger.Level.WARNING,
                        child + " exited with " + status + " on shutdown");
            }
        }
    }

    /** Reads the next frame from the child; null at its end. Reader thread only. */
    Frames.Frame read() throws IOException {
        return Frames.read(in);
    }

    @Override
    public String toString() {
        return "child pid " + pid;
    }
}
