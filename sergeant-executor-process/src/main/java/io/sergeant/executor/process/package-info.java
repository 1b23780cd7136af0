/**
 * The {@code process} executor and the {@code process} killer: tasks run in a warm pool of child JVMs
 * that host the worker class; a task past its timeout is interrupted in its child, and a task that
 * ignores the interrupt past the grace period is ended by killing its child, which is then replaced.
 * This is the executor that can always stop a task.
 */
package io.sergeant.executor.process;
