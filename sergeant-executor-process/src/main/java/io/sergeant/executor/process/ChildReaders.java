package io.sergeant.executor.process;

import io.sergeant.toolkit.process.ProcessTree;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The reader thread of each child: it reads the child's frames in order, hands each result to the
 * executor, and reports the child's end once, whether the channel reached its end, broke, or carried
 * something that is not a frame (the child is then killed). Thread safe.
 */
final class ChildReaders {

    private static final System.Logger LOG = System.getLogger(ChildReaders.class.getName());

    /** What the executor does with what a reader sees. Called on the child's reader thread. */
    interface Listener {

        /** A result frame. An {@link IOException} (a malformed result) ends the child. */
        void onResult(ChildProcess child, Frames.Frame frame) throws IOException;

        /** The child's channel ended; {@code failure} says why when it broke, else null. */
        void onEnd(ChildProcess child, String failure);
    }

    /** Reader threads started and maybe still alive. Guarded by this. */
    private final List<Thread> threads = new ArrayList<>();

    /** Starts the reader thread of a child. */
    void start(ChildProcess child, Listener listener) {
        Thread reader = new Thread(() -> readLoop(child, listener), "sergeant-child-reader-" + child.pid);
        reader.setDaemon(true);
        synchronized (this) {
            threads.removeIf(thread -> !thread.isAlive());
            threads.add(reader);
        }
        reader.start();
    }

    /**
     * Waits for every reader started so far to end, each for at most {@code each}. If the calling thread is
     * interrupted it stops waiting and keeps its interrupt flag.
     */
    void awaitAll(Duration each) {
        List<Thread> joining;
        synchronized (this) {
            joining = new ArrayList<>(threads);
        }
        for (Thread reader : joining) {
            try {
                reader.join(each.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private static void readLoop(ChildProcess child, Listener listener) {
        String failure = null;
        try {
            for (Frames.Frame frame; (frame = child.read()) != null; ) {
                if (frame.type() == Frames.RESULT) {
                    listener.onResult(child, frame);
                } else {
                    LOG.log(Level.WARNING, child + " sent an unexpected frame of type " + frame.type());
                }
            }
        } catch (IOException e) {
            failure = e.getMessage();
            ProcessTree.destroyForcibly(child.process);
        } catch (RuntimeException | Error e) {
            failure = e.toString();
            LOG.log(Level.ERROR, "the reader of " + child + " failed: " + e, e);
            ProcessTree.destroyForcibly(child.process);
        }
        listener.onEnd(child, failure);
    }
}
