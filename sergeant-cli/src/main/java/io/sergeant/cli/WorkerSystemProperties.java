package io.sergeant.cli;

/**
 * How configuration overrides reach a worker process: as {@code -Dsergeant.config.<key>=<value>}
 * system properties, which the core's worker runtime reads. Stateless.
 */
final class WorkerSystemProperties {

    /** The system property prefix read by the worker runtime. */
    static final String PREFIX = "sergeant.config.";

    private WorkerSystemProperties() {
    }
}
