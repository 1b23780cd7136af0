package io.sergeant.core.worker;

/**
 * The worker process exit-code contract of Python Sergeant (docs/python-compat.md §6.2), which the supervisor acts on.
 */
public enum ExitCode {
    /** The loop ended normally (for example {@code maxTasksPerRun} was reached): respawn. */
    WORKER_EXITED_NORMALLY(0),
    /** An exception escaped the runtime: respawn. */
    WORKER_EXITED_ABNORMALLY(1),
    /** Kept for parity with Python's module-not-found code; Java reports a missing class with 3. */
    WORKER_MODULE_NOT_FOUND(2),
    /** The worker class cannot be found: the supervisor stops with a non-zero code. */
    WORKER_CLASS_NOT_FOUND(3),
    /** The worker asked to respawn (or its executor needs a fresh process): respawn. */
    WORKER_ASKED_TO_RESPAWN(4),
    /** The worker asked to stop: the supervisor stops every worker. */
    WORKER_ASKED_TO_STOP(5),
    /** {@code initialize}, the executor or {@code finalizeWorker} failed: respawn. */
    WORKER_EXECUTION_FAILURE(6),
    /** The worker class exists but cannot be initialized or instantiated: the supervisor stops non-zero. */
    WORKER_MODULE_NOT_IMPORTABLE(7);

    private final int code;

    ExitCode(int code) {
        this.code = code;
    }

    /** The process exit code. */
    public int code() {
        return code;
    }

    /** The exit code for a process status, or empty for codes outside the contract (signals). */
    public static java.util.Optional<ExitCode> of(int status) {
        for (ExitCode value : values()) {
            if (value.code == status) {
                return java.util.Optional.of(value);
            }
        }
        return java.util.Optional.empty();
    }
}
