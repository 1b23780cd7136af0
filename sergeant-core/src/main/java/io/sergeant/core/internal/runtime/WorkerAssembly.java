package io.sergeant.core.internal.runtime;

import io.sergeant.api.ErrorCode;
import io.sergeant.api.SergeantException;
import io.sergeant.api.config.DeliveryMode;
import io.sergeant.api.config.WorkerConfig;
import io.sergeant.api.worker.Worker;
import io.sergeant.core.Sergeant;
import io.sergeant.core.internal.broker.BackendRoles;
import io.sergeant.core.internal.broker.DefaultBroker;
import io.sergeant.spi.PluginContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Objects;

/**
 * A worker instance bound to a runtime: its validated effective configuration, its broker and the runner
 * of its tasks. Built the same way in a worker process and in a child process of the process executor.
 * The configuration is given, never read here: the caller decides what overrides it (a worker process
 * applies {@code sergeant.config.*} system properties at its entry point). Closing it closes the broker.
 * Not thread safe to build; the parts it hands out are.
 */
public final class WorkerAssembly implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(WorkerAssembly.class);

    private final Worker worker;
    private final WorkerConfig config;
    private final PluginContext pluginContext;
    private final DefaultBroker broker;
    private final TaskScope scope = new TaskScope();
    private final LifecycleTaskRunner runner;
    private RuntimeWorkerContext workerContext;

    /**
     * Validates {@code effectiveConfig}, opens its broker and binds {@code worker} to it.
     *
     * @throws io.sergeant.api.SergeantException for an invalid configuration or an unreachable backend
     */
    public WorkerAssembly(Worker worker, WorkerConfig effectiveConfig, Sergeant sergeant) {
        this.worker = Objects.requireNonNull(worker, "worker is null");
        Objects.requireNonNull(effectiveConfig, "effectiveConfig is null");
        this.config = sergeant.validate(effectiveConfig);
        this.pluginContext = sergeant.pluginContext(config);
        this.broker = openBroker(sergeant, config, pluginContext);
        try {
            requireDeliveryRoles();
            this.workerContext = new RuntimeWorkerContext(broker, config, scope);
            worker.bind(workerContext);
            this.runner = new LifecycleTaskRunner(worker, scope, config.logging().events(), config.name(),
                    broker.listeners());
        } catch (RuntimeException e) {
            broker.close();
            throw e;
        }
    }

    /**
     * Opens the broker, waiting out a backend that does not answer yet ({@code BACKEND_UNAVAILABLE}): a
     * worker started during an outage retries with backoff, one log line per step, instead of exiting
     * to be replaced. Other errors (a bad configuration) are thrown at once.
     */
    private static DefaultBroker openBroker(Sergeant sergeant, WorkerConfig config, PluginContext context) {
        Backoff backoff = new Backoff();
        while (true) {
            try {
                DefaultBroker broker = sergeant.openBroker(config, context);
                if (backoff.failures() > 0) {
                    log.warn("connected to the backend after {} failed attempts", backoff.failures());
                }
                return broker;
            } catch (SergeantException e) {
                if (e.code() != ErrorCode.BACKEND_UNAVAILABLE) {
                    throw e;
                }
                Backoff.Step step = backoff.failed();
                log.error("could not connect to the backend ({} in a row); trying again in {} ms: {}", step.failures(),
                        step.delay().toMillis(), e.getMessage());
                try {
                    Thread.sleep(step.delay().toMillis());
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    throw e;
                }
            }
        }
    }

    /** At-least-once needs leases and dead letters; say so now, not at the first pop. */
    private void requireDeliveryRoles() {
        if (config.delivery().mode() != DeliveryMode.AT_LEAST_ONCE) {
            return;
        }
        String purpose = "worker '" + config.name() + "' with delivery mode at-least-once";
        BackendRoles.leases(broker.backend(), purpose);
        BackendRoles.deadLetters(broker.backend(), purpose);
    }

    /** The worker instance. */
    public Worker worker() {
        return worker;
    }

    /** The validated effective configuration. */
    public WorkerConfig config() {
        return config;
    }

    /** The plugin context the configuration's plugins were created with. */
    public PluginContext pluginContext() {
        return pluginContext;
    }

    /** The worker's broker (backend and encoder). */
    public DefaultBroker broker() {
        return broker;
    }

    /** Runs one task's lifecycle (hooks and handlers) on this worker. */
    public LifecycleTaskRunner runner() {
        return runner;
    }

    @Override
    public void close() {
        try {
            broker.close();
        } finally {
            worker.unbind(workerContext);
        }
    }

    /** Interrupts the tasks running in this process (a stop with {@code sergeant.worker.stop=interrupt}). */
    public void interruptRunningTasks() {
        scope.interruptWork();
    }

    /**
     * Clears the calling thread's interrupt flag of a stop's interrupt meant for a task it ran and that has
     * ended (the loop thread running tasks itself); see {@code TaskScope.clearStopInterrupt()}.
     */
    void clearStopInterrupt() {
        scope.clearStopInterrupt();
    }

    /** Whether running tasks were interrupted by a stop: what they did not finish is handed back. */
    public boolean stopInterruptedTasks() {
        return scope.stopInterrupts();
    }
}
