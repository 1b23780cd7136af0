/**
 * The {@code thread} executor and the {@code thread} killer: tasks run on a fixed pool of daemon
 * threads inside the worker process; a task past its timeout is interrupted, and a task that ignores
 * the interrupt past the grace period makes the executor ask for the worker to be respawned, because
 * a Java thread cannot be killed.
 */
package io.sergeant.executor.thread;
