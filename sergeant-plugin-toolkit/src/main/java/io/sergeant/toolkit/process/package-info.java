/**
 * Child JVMs and operating-system processes: one JVM launcher ({@link io.sergeant.toolkit.process.JavaCommand}),
 * forceful ends of process trees ({@link io.sergeant.toolkit.process.ProcessTree}) and signal handlers
 * ({@link io.sergeant.toolkit.process.Signals}), shared by core's supervisor and worker processes and by
 * the process executor.
 */
package io.sergeant.toolkit.process;
