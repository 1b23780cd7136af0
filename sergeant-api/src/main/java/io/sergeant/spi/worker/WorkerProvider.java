package io.sergeant.spi.worker;

import io.sergeant.api.worker.Worker;

/**
 * Makes worker instances from their class: the seam between Sergeant and whatever builds the
 * application's objects (plain constructors, Guice, Spring, a hand-written factory).
 *
 * <p>Core asks it for a worker wherever a worker is created by class name: {@code sergeant worker},
 * every worker process of a supervisor, and every child JVM of the {@code process} executor. Where a
 * provider comes from, in order: the one given to core's {@code WorkerFactory} in code; otherwise, when
 * Guice modules are named ({@code --guice-module}), Guice; otherwise the one provider listed in
 * {@code META-INF/services/io.sergeant.spi.worker.WorkerProvider} on the class path (several are an
 * error naming them); otherwise Guice for a class with an {@code @Inject} constructor, and
 * {@link #constructors()} for the rest.
 *
 * <p>A provider found through {@link java.util.ServiceLoader} needs a public no-argument constructor.
 * Implementations must be thread safe: the process executor may create workers from several threads.
 */
@FunctionalInterface
public interface WorkerProvider {

    /**
     * A new worker of {@code type} (or of a subtype), ready for {@code initialize}.
     *
     * @throws io.sergeant.api.SergeantException when the worker cannot be built from this class (no
     *         suitable constructor, a missing binding): the worker process exits with code 7, which
     *         stops the supervisor, like an import error in Python Sergeant
     * @throws Exception anything else the worker's construction threw: exit code 1, respawned
     */
    Worker create(Class<? extends Worker> type) throws Exception;

    /** Workers made with their public no-argument constructor. */
    static WorkerProvider constructors() {
        return ConstructorWorkerProvider.INSTANCE;
    }
}
