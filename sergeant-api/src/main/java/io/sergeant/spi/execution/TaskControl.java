package io.sergeant.spi.execution;

/** Tells a {@link TaskRunner} whether the killer fired for the task being run. Thread safe. */
public interface TaskControl {

    /** A control for a task without a timeout. */
    TaskControl NONE = () -> false;

    /** Whether the task passed its timeout. */
    boolean timedOut();
}
