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
import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The parent's handle on one child JVM: its process, its channel, and the task it runs. The fields
 * {@link #current} and {@link #dead} are guarded by this object's monitor; reads of the channel happen on
 * the child's single reader thread only.
 *
 * <p><b>Writes never wait for the child.</b> A child that does not read its stdin (stopped by a signal or a
 * debugger, thrashing, frozen in a cgroup) would block a write that does not fit in the pipe, and with it
 * the thread that wrote: the worker's loop in {@code submit}, or the killer in {@code interrupt}, which then
 * never reached its {@code kill}. So {@link #send} writes on the caller's thread only a frame that is known
 * to fit: one of at most {@link #DIRECT_LIMIT} bytes, the least a pipe holds (one page on Linux), into a
 * pipe the child has read empty. Empty, not merely with room in bytes: a one-page pipe whose page the child
 * read part-way has no room left even for a small frame (docs/decisions.md, "Direct writes only into an
 * empty pipe"). What the child has read is known from its results: a result for a task means it read that
 * task's frame and every frame before it ({@link #resultReceived}). Any other
 * frame, and every frame behind one, is queued and written, in order, by a writer thread of the child's,
 * which alone may block and ends once the queue is empty or the pipe broke; the killer's {@code kill()} ends such a write (the pipe breaks). Small tasks, the
 * common case, keep the single write on the caller's thread that the per-task cost was tuned for
 * (docs/decisions.md, "The process executor never blocks in submit").
 */
final class ChildProcess {

    /** The largest frame written on the caller's thread, and only into a pipe the child has read empty. */
    static final int DIRECT_LIMIT = 4096;
    private static final System.Logger LOG = System.getLogger(ChildProcess.class.getName());

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

    /** Guards {@link #out} between writers, and the fields below. */
    private final Object channel = new Object();
    /** Frames waiting for the writer thread, in order. */
    private final ArrayDeque<Outgoing> queued = new ArrayDeque<>();
    /** Whether a writer thread owns {@link #out} (until {@link #queued} is empty). */
    private boolean writing;
    /** Bytes sent (written or queued) that the child may not have read yet. */
    private long unread;
    /** Bytes sent after the last task frame. */
    private long afterTask;
    /** Why the channel broke, once a write failed. */
    private IOException broken;

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

    /**
     * Sends one frame to the child without waiting for it to read: written now when it surely fits in the
     * pipe, else queued for the writer thread (see the class comment). {@code job}, for a task frame, is
     * marked {@link Job#delivered} once its frame is written whole.
     *
     * @throws IOException when the write made now failed or the channel broke before (the frame was not sent)
     */
    void send(byte type, long sequence, byte[] payload, Job job) throws IOException {
        long size = Frames.HEADER + (long) payload.length;
        boolean startWriter;
        synchronized (channel) {
            if (broken != null) {
                throw new IOException("the channel to " + this + " broke earlier: " + broken.getMessage(), broken);
            }
            // Direct only into an empty pipe: a pipe may hold one page, and behind bytes the child left unread
            // in a page read part-way, even a small frame finds no room (the page's tail is taken).
            boolean direct = !writing && unread == 0 && size <= DIRECT_LIMIT;
            afterTask = type == Frames.TASK ? 0 : afterTask + size;
            unread += size;
            if (direct) {
                try {
                    Frames.write(out, type, sequence, payload);
                } catch (IOException e) {
                    broken = e;
                    throw e;
                }
                if (job != null) {
                    job.delivered = true;
                }
                return;
            }
            queued.addLast(new Outgoing(type, sequence, payload, job));
            startWriter = !writing;
            writing = true;
        }
        if (startWriter) {
            // A thread of its own that ends as soon as the queue is empty or the pipe broke: nothing of the
            // executor's outlives its children (a pooled thread would idle on for its keep-alive).
            Thread writer = new Thread(this::drain, "sergeant-child-writer-" + pid);
            writer.setDaemon(true);
            writer.start();
        }
    }

    /** Writes the queued frames in order, blocking as long as the child does not read; on a failure kills the child. */
    private void drain() {
        while (true) {
            Outgoing next;
            synchronized (channel) {
                next = queued.pollFirst();
                if (next == null) {
                    writing = false;
                    channel.notifyAll();
                    return;
                }
            }
            try {
                Frames.write(out, next.type(), next.sequence(), next.payload());
            } catch (IOException e) {
                synchronized (channel) {
                    broken = e;
                    queued.clear();
                    writing = false;
                    channel.notifyAll();
                }
                LOG.log(System.Logger.Level.WARNING, "could not send a frame to " + this + ": " + e + "; ending it");
                ProcessTree.destroyForcibly(process); // its reader sees the end, and the executor replaces it
                return;
            }
            if (next.job() != null) {
                synchronized (channel) {
                    next.job().delivered = true;
                    channel.notifyAll();
                }
            }
        }
    }

    /**
     * The child sent a result: it has read every frame up to its task's, so only the frames sent after that
     * one may be unread. Reader thread only, before the child is made idle.
     */
    void resultReceived() {
        synchronized (channel) {
            unread = afterTask;
        }
    }

    /**
     * Whether {@code job}'s frame was written whole, after the child ended: waits at most {@code wait} for a
     * write still under way (the child's end breaks the pipe, unless something it started still holds it
     * open). A frame not written whole was never read whole, so the task did not run.
     */
    boolean delivered(Job job, Duration wait) {
        long deadline = System.nanoTime() + wait.toNanos();
        synchronized (channel) {
            while (!job.delivered && writing && broken == null) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    break;
                }
                try {
                    TimeUnit.NANOSECONDS.timedWait(channel, left);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
            return job.delivered;
        }
    }

    /** A frame waiting for the writer thread. */
    private record Outgoing(byte type, long sequence, byte[] payload, Job job) {
    }

    /** Asks the child to finalize its worker and exit; a no-op once it is dead, and logged when the channel broke. */
    synchronized void requestShutdown() {
        if (dead) {
            return;
        }
        try {
            send(Frames.SHUTDOWN, 0, new byte[0], null);
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
