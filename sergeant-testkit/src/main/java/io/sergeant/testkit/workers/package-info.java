/**
 * Scripted workers for tests that run real worker processes (the supervisor's and the process
 * executor's): {@link io.sergeant.testkit.workers.ScriptWorker} runs what a task's kwargs say and
 * leaves a marker file per event ({@link io.sergeant.testkit.workers.Events} reads them); its
 * subclasses fail on purpose at each step of a worker's start (loading, construction, configuration,
 * initialize), so a test sees the exit code each failure gives.
 */
package io.sergeant.testkit.workers;
