package io.sergeant.executor.process;

import io.sergeant.api.Task;
import io.sergeant.api.worker.Worker;
import io.sergeant.spi.execution.ChildRuntime;
import io.sergeant.spi.execution.ChildRuntimeProvider;
import io.sergeant.spi.execution.TaskControl;
import io.sergeant.spi.execution.TaskResult;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.ServiceLoader;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * A child process of the process executor: {@code ChildMain <worker class> [worker arguments...]}.
 *
 * <p>Before any user code runs, it takes the process's stdin and stdout as its private channel to the
 * parent ({@link Frames}), points {@link System#out} at {@link System#err} and gives {@link System#in}
 * an empty stream, so worker output and logs go to stderr (inherited from the parent) and never corrupt
 * the channel. On Linux the channel moves to descriptors of its own and descriptors 0 and 1 point at
 * {@code /dev/null}, so a process a task starts with inherited stdio (even one that leaves the process
 * group) cannot keep the channel open after this child died. It then opens the worker through the first {@link ChildRuntimeProvider} found by
 * {@link ServiceLoader} that {@linkplain ChildRuntimeProvider#hosts hosts} the class (core provides it
 * for worker classes; {@code initialize} runs here), reports ready, and runs one task at a time on its
 * task thread. On a shutdown frame it finalizes the worker and exits 0; when the parent goes away (end
 * of stdin) it finalizes within a few seconds, kills what its tasks started (its descendants and the
 * rest of its process group, re-parented ones included) and exits.
 *
 * <p><b>Who reads the channel.</b> The task thread reads the next frame itself when it is idle, so a
 * short task costs no hand-off between threads (each is a wake-up, the largest per-task cost on a busy
 * machine). While a task runs, the main thread checks every {@value #TICK_MILLIS} ms; once it sees the
 * same task still running, it takes over reading, so an interrupt request reaches the running task (at
 * most two ticks after the task started, or as it arrives after that) and an end of the channel is seen
 * at once. It hands the reading back with the next task or shutdown frame. With no task running for
 * {@value #IDLE_TICKS} ticks in a row the main thread stops checking until a task starts.
 *
 * <p>Exit codes: 0 after a shutdown, 2 for bad arguments, 3 when the worker cannot be opened,
 * 1 when the channel broke or the JVM ran out of memory.
 */
public final class ChildMain {

    private static final System.Logger LOG = System.getLogger(ChildMain.class.getName());
    private static final long PARENT_GONE_FINALIZE_MILLIS = 5_000;
    /** How often the main thread checks whether a task runs long enough to need a reader beside it. */
    static final long TICK_MILLIS = 5;
    /** Ticks with no task running after which the main thread waits for the next task instead of ticking. */
    static final int IDLE_TICKS = 20;

    private final DataInputStream in;
    private final DataOutputStream out;
    private final Object writeLock = new Object();
    private final Object controlLock = new Object();
    /** Frames the main thread read for the task thread (a task or the shutdown); added under {@link #controlLock}. */
    private final BlockingQueue<Object> handedOver = new LinkedBlockingQueue<>();
    private final Thread mainThread = Thread.currentThread();
    /** The task being run and its control; written under {@link #controlLock}. */
    private volatile Running running;
    /** Whether the main thread reads the channel (a task ran long); guarded by {@link #controlLock}. */
    private boolean mainReads;
    /** Whether the main thread waits for a task to start (it then needs an unpark). */
    private volatile boolean mainWaits;

    private ChildMain(DataInputStream in, DataOutputStream out) {
        this.in = in;
        this.out = out;
    }

    /** Runs the child; never returns normally (exits with the codes above). */
    public static void main(String[] args) {
        System.out.flush();
        FileInputStream rawIn = new FileInputStream(FileDescriptor.in);
        FileOutputStream rawOut = new FileOutputStream(FileDescriptor.out);
        try {
            rawIn = privateCopy(rawIn, FileInputStream::new);
            rawOut = privateCopy(rawOut, FileOutputStream::new);
        } catch (IOException e) {
            System.err.println("sergeant child process: cannot take its channel off stdin and stdout (" + e
                    + "); a process a task starts with inherited stdio would hold the channel open");
        }
        DataOutputStream channelOut = new DataOutputStream(new BufferedOutputStream(rawOut, 1 << 16));
        DataInputStream channelIn = new DataInputStream(new BufferedInputStream(rawIn, 1 << 16));
        System.setOut(System.err);
        System.setIn(new ByteArrayInputStream(new byte[0]));
        if (args.length < 1) {
            System.err.println("usage: ChildMain <worker class> [worker arguments...]; started by the process executor");
            System.exit(2);
        }
        // Ctrl-C reaches the whole foreground process group: the worker stops gracefully and ends this
        // child when its tasks are done, so the child ignores SIGINT rather than dying mid-task.
        io.sergeant.toolkit.process.Signals.handle(List.of("INT"), signal -> { });
        ChildMain child = new ChildMain(channelIn, channelOut);
        int code;
        try {
            code = child.run(args[0], Arrays.asList(args).subList(1, args.length));
        } catch (VirtualMachineError e) {
            System.err.println("sergeant child process: fatal error: " + e);
            Runtime.getRuntime().halt(1);
            return;
        }
        System.exit(code);
    }

    /** Opens a stream, given the path of a file descriptor, on the same pipe as a standard one. */
    private interface Opener<T> {
        T open(String path) throws IOException;
    }

    /**
     * Re-opens the pipe behind standard descriptor {@code standard} (0 or 1) through {@code /proc/self/fd}
     * as a descriptor of its own, then closes the standard one, which the JDK points at {@code /dev/null}
     * instead. A process a task starts inherits only descriptors 0 to 2 (the JDK closes the others in a
     * new process), so it can no longer hold the channel: once this child dies, the parent's reader sees the
     * end and its writer a broken pipe even if that process lives on, out of the process group (docs/
     * decisions.md, "A child's channel is not its stdin and stdout"). Where {@code /proc} is missing, the
     * standard stream is kept.
     */
    private static <T extends java.io.Closeable> T privateCopy(T standard, Opener<T> opener) throws IOException {
        int fd = standard instanceof FileInputStream ? 0 : 1;
        java.nio.file.Path path = java.nio.file.Path.of("/proc/self/fd/" + fd);
        if (!java.nio.file.Files.exists(path)) {
            return standard;
        }
        T copy = opener.open(path.toString());
        standard.close();
        return copy;
    }

    private int run(String workerClass, List<String> workerArguments) {
        ChildRuntime runtime;
        try {
            runtime = open(workerClass, workerArguments);
        } catch (RuntimeException | LinkageError e) {
            LOG.log(Level.ERROR, "the child process could not open worker " + workerClass + ": " + e, e);
            send(Frames.FAILED, 0, describe(e).getBytes(StandardCharsets.UTF_8));
            return 3;
        }
        if (!send(Frames.READY, ProcessHandle.current().pid(), new byte[0])) {
            return closeWhenParentIsGone(runtime);
        }
        Thread taskThread = new Thread(() -> serve(runtime), "sergeant-child-task");
        taskThread.setDaemon(true);
        taskThread.start();
        return watch(runtime);
    }

    private static ChildRuntime open(String workerClass, List<String> workerArguments) {
        List<ChildRuntimeProvider> providers = ServiceLoader.load(ChildRuntimeProvider.class).stream()
                .map(ServiceLoader.Provider::get).toList();
        if (providers.isEmpty()) {
            throw new IllegalStateException("no " + ChildRuntimeProvider.class.getName()
                    + " on the child's classpath; put sergeant-core on the worker's classpath");
        }
        // A test kit may host its own runner beside core: the first provider that hosts the class wins.
        ChildRuntimeProvider chosen = providers.stream().filter(provider -> provider.hosts(workerClass)).findFirst()
                .orElseThrow(() -> new IllegalStateException("no " + ChildRuntimeProvider.class.getSimpleName()
                        + " on the child's classpath hosts " + workerClass + " (found: " + providers.stream()
                        .map(provider -> provider.getClass().getName()).toList() + "); a worker class extends "
                        + Worker.class.getName()));
        return chosen.open(workerClass, workerArguments);
    }

    /**
     * The task thread: reads the next frame itself, or takes what the main thread read while the last task
     * ran long, and runs the tasks; ends the process at the shutdown or at the end of the channel (the main
     * thread may be blocked reading then).
     */
    private void serve(ChildRuntime runtime) {
        int code;
        try {
            code = serveUntilEnd(runtime);
        } catch (VirtualMachineError e) {
            System.err.println("sergeant child process: fatal error: " + e);
            Runtime.getRuntime().halt(1);
            return;
        } catch (RuntimeException | Error e) {
            LOG.log(Level.ERROR, "the child process's task thread failed: " + e, e);
            code = 1;
        }
        System.exit(code);
    }

    private int serveUntilEnd(ChildRuntime runtime) {
        while (true) {
            Object next;
            boolean readByMain;
            synchronized (controlLock) {
                next = handedOver.poll();
                readByMain = next == null && mainReads;
            }
            if (readByMain) {
                next = takeHandedOver();
            } else if (next == null) {
                Frames.Frame frame;
                try {
                    frame = Frames.read(in);
                } catch (IOException e) {
                    LOG.log(Level.ERROR, "the child process lost its channel to the parent: " + e);
                    return closeWhenParentIsGone(runtime);
                }
                if (frame == null) {
                    return closeWhenParentIsGone(runtime);
                }
                next = taskThreadFrame(frame);
            }
            if (next == Shutdown.INSTANCE) {
                runtime.close();
                return 0;
            }
            if (next instanceof Job job) {
                long started = System.nanoTime();
                TaskResult result = runOne(runtime, job);
                long nanos = System.nanoTime() - started;
                String error = result == null ? "IllegalStateException: the task runner returned no result" : result.error();
                String outcome = result == null ? "FAILURE" : result.outcome().name();
                send(Frames.RESULT, job.sequence(), Frames.result(outcome, error, nanos));
            }
        }
    }

    /** What the idle task thread does with a frame it read: a job, the shutdown, or null (nothing to do). */
    private static Object taskThreadFrame(Frames.Frame frame) {
        return switch (frame.type()) {
            case Frames.TASK -> new Job(frame.sequence(), frame.payload());
            case Frames.SHUTDOWN -> Shutdown.INSTANCE;
            // No task runs: an interrupt for a task that has finished has nothing to stop.
            case Frames.INTERRUPT -> null;
            default -> {
                LOG.log(Level.WARNING, "the child process ignores an unknown frame type " + frame.type());
                yield null;
            }
        };
    }

    private Object takeHandedOver() {
        while (true) {
            try {
                return handedOver.take();
            } catch (InterruptedException e) {
                // A late interrupt meant for a finished task; nothing to stop.
            }
        }
    }

    /**
     * The main thread: ticks while tasks run and reads the channel while one runs long; returns the exit
     * code when the channel ended under it (the task thread ends the process otherwise).
     */
    private int watch(ChildRuntime runtime) {
        long tickNanos = TimeUnit.MILLISECONDS.toNanos(TICK_MILLIS);
        Running seen = null;
        int idleTicks = 0;
        while (true) {
            Running now = running;
            if (now == null) {
                seen = null;
                if (++idleTicks < IDLE_TICKS) {
                    LockSupport.parkNanos(this, tickNanos);
                    continue;
                }
                idleTicks = 0;
                // Paired with runOne: it sets running then reads mainWaits, this sets mainWaits then reads running.
                mainWaits = true;
                if (running == null) {
                    LockSupport.park(this);
                }
                mainWaits = false;
                continue;
            }
            idleTicks = 0;
            if (now == seen && takeOverReading(now)) {
                Integer code = readWhileATaskRuns(runtime);
                if (code != null) {
                    return code;
                }
                seen = null;
                continue;
            }
            seen = now;
            LockSupport.parkNanos(this, tickNanos);
        }
    }

    private boolean takeOverReading(Running task) {
        synchronized (controlLock) {
            if (running != task) {
                return false;
            }
            mainReads = true;
            return true;
        }
    }

    /**
     * Reads frames while a task runs: interrupts go to the task; the next task or the shutdown is handed to
     * the task thread with the reading (returns null). Returns the exit code when the channel ended.
     */
    private Integer readWhileATaskRuns(ChildRuntime runtime) {
        while (true) {
            Frames.Frame frame;
            try {
                frame = Frames.read(in);
            } catch (IOException e) {
                LOG.log(Level.ERROR, "the child process lost its channel to the parent: " + e);
                return closeWhenParentIsGone(runtime);
            }
            if (frame == null) {
                return closeWhenParentIsGone(runtime);
            }
            switch (frame.type()) {
                case Frames.TASK -> {
                    handOver(new Job(frame.sequence(), frame.payload()));
                    return null;
                }
                case Frames.SHUTDOWN -> {
                    // The task thread finishes its task first, then finalizes the worker.
                    handOver(Shutdown.INSTANCE);
                    return null;
                }
                case Frames.INTERRUPT -> interrupt(frame.sequence());
                default -> LOG.log(Level.WARNING, "the child process ignores an unknown frame type " + frame.type());
            }
        }
    }

    private void handOver(Object next) {
        synchronized (controlLock) {
            handedOver.add(next);
            mainReads = false;
        }
    }

    private TaskResult runOne(ChildRuntime runtime, Job job) {
        Task task;
        try {
            task = runtime.codec().decode(job.payload());
        } catch (RuntimeException e) {
            return failure(null, e);
        }
        Running current = new Running(job.sequence(), Thread.currentThread());
        synchronized (controlLock) {
            running = current;
        }
        if (mainWaits) {
            LockSupport.unpark(mainThread);
        }
        try {
            return runtime.runner().run(task, current);
        } catch (VirtualMachineError e) {
            System.err.println("sergeant child process: fatal error in a task: " + e);
            Runtime.getRuntime().halt(1);
            return null;
        } catch (RuntimeException | Error e) {
            LOG.log(Level.ERROR, "the task runner failed unexpectedly: " + e, e);
            return failure(task, e);
        } finally {
            synchronized (controlLock) {
                running = null;
            }
            // The running task is cleared: no interrupt can reach this thread any more, so clearing is final.
            Thread.interrupted();
        }
    }

    private static TaskResult failure(Task task, Throwable error) {
        Task shown = task != null ? task : Task.of(java.util.Map.of());
        return new TaskResult(shown, io.sergeant.spi.execution.Outcome.FAILURE, describe(error));
    }

    private void interrupt(long sequence) {
        synchronized (controlLock) {
            if (running != null && running.sequence == sequence) {
                running.timedOut = true;
                running.thread.interrupt();
            }
        }
    }

    private int closeWhenParentIsGone(ChildRuntime runtime) {
        Thread closer = new Thread(runtime::close, "sergeant-child-finalize");
        closer.setDaemon(true);
        closer.start();
        awaitQuietly(closer, PARENT_GONE_FINALIZE_MILLIS);
        // The parent that would have ended this child's process group is gone: end what the tasks started,
        // its descendants and, since one re-parented (a daemon, `cmd &` in a shell that exited) is no longer
        // a descendant, every other process of its group.
        ProcessHandle.current().descendants().forEach(ProcessHandle::destroyForcibly);
        io.sergeant.toolkit.process.ProcessTree.destroyOwnGroup();
        return 1;
    }

    private boolean send(byte type, long sequence, byte[] payload) {
        synchronized (writeLock) {
            try {
                Frames.write(out, type, sequence, payload);
                return true;
            } catch (IOException e) {
                LOG.log(Level.ERROR, "the child process could not write to its parent: " + e);
                return false;
            }
        }
    }

    private static void awaitQuietly(Thread thread, long millis) {
        try {
            thread.join(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static String describe(Throwable error) {
        String message = error.getMessage();
        return error.getClass().getName() + (message == null ? "" : ": " + message);
    }

    /** A task frame received. */
    private record Job(long sequence, byte[] payload) {
    }

    /** Ends the task thread: finalize the worker and exit 0. */
    private enum Shutdown {
        INSTANCE
    }

    /** The control of the running task: timed out once the parent's killer asked to interrupt it. */
    private static final class Running implements TaskControl {

        final long sequence;
        final Thread thread;
        volatile boolean timedOut;

        Running(long sequence, Thread thread) {
            this.sequence = sequence;
            this.thread = thread;
        }

        @Override
        public boolean timedOut() {
            return timedOut;
        }
    }
}
