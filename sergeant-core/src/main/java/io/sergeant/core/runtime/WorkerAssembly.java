package io.sergeant.core.runtime;

import io.sergeant.api.ErrorCode;
import io.sergeant.api.SergeantException;
import io.sergeant.api.config.DeliveryMode;
import io.sergeant.api.config.WorkerConfig;
import io.sergeant.api.worker.Worker;
import io.sergeant.core.Sergeant;
import io.sergeant.core.broker.BackendRoles;
import io.sergeant.core.broker.DefaultBroker;
import io.sergeant.spi.PluginContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Objects;

/**
 * A worker instance bound to a runtime: its validated configuration, its broker and the runner of its
 * tasks. Built the same way in a worker process and in a child process of the process executor.
 * Closing it closes the broker.
 */
final class WorkerAssembly implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(WorkerAssembly.class);

    final Worker worker;
    final WorkerConfig config;
    final PluginContext pluginContext;
    final DefaultBroker broker;
    final TaskScope scope = new TaskScope();
    final LifecycleTaskRunner runner;

    WorkerAssembly(Worker worker, Sergeant sergeant) {
        this.worker = Objects.requireNonNull(worker, "worker is null");
        this.config = sergeant.validate(io.sergeant.core.config.WorkerConfigProperties.apply(worker.config(),
                io.sergeant.core.config.WorkerConfigProperties.withPrefix(System.getProperties(), "sergeant.config.")));
        this.pluginContext = sergeant.pluginContext(config);
        this.broker = openBroker(sergeant, config, pluginContext);
        try {
            requireDeliveryRoles();
            worker.bind(new RuntimeWorkerContext(broker, config.name(), scope));
            this.runner = new LifecycleTaskRunner(worker, scope, config.logging().events(), config.name());
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

    @Override
    public void close() {
        broker.close();
    }
}
