package io.sergeant.api.worker;

/**
 * Base of the control signals (retry, requeue, max retries, timeout, stop, respawn). They extend
 * {@link Error}, not {@link Exception}, so a task's {@code catch (Exception e)} does not swallow
 * them, as Python Sergeant's signals derive from {@code BaseException}. They carry no stack trace:
 * they are control flow, thrown on every retry, and filling a trace would cost time.
 */
public abstract class WorkerSignal extends Error {

    /** A signal with this message. */
    protected WorkerSignal(String message) {
        super(message, null, false, false);
    }
}
