/**
 * Compatibility suites for executors and killers, and their test doubles: a {@link
 * io.sergeant.testkit.execution.ScriptedTaskRunner} that stands in for core's task runner (it runs
 * scripted actions instead of a worker's hooks) and a {@link io.sergeant.testkit.execution.SimpleTaskCodec}.
 * An implementation's test extends {@link io.sergeant.testkit.execution.ExecutorCompatibilitySuite}
 * or {@link io.sergeant.testkit.execution.KillerCompatibilitySuite} in a few lines. Helpers for timing:
 * {@link io.sergeant.testkit.execution.Eventually} polls a condition, {@link
 * io.sergeant.testkit.execution.BackgroundCall} runs a blocking call on a thread of its own, {@link
 * io.sergeant.testkit.execution.Concurrently} runs test code on several threads at once.
 */
package io.sergeant.testkit.execution;
