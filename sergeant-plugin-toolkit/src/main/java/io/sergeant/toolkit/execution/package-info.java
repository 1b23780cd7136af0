/**
 * Execution helpers for executor plugins: {@link io.sergeant.toolkit.execution.DeadlineKiller}, the timing
 * engine behind the shipped killers.
 */
package io.sergeant.toolkit.execution;
