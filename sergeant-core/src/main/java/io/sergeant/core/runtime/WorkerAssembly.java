package io.sergeant.core.runtime;

import io.sergeant.api.config.WorkerConfig;
import io.sergeant.api.worker.Worker;
import io.sergeant.core.Sergeant;
import io.sergeant.core.broker.DefaultBroker;
import io.sergeant.spi.PluginContext;

import java.util.Objects;

/**
 * A worker instance bound to a runtime: its validated configuration, its broker and the runner of its
 * tasks. Built the same way in a worker process and in a child process of the process executor.
 * Closing it closes the broker.
 */
final class WorkerAssembly implements AutoCloseable {

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
        this.broker = sergeant.openBroker(config, pluginContext);
        try {
            worker.bind(new RuntimeWorkerContext(broker, config, scope));
            this.runner = new LifecycleTaskRunner(worker, scope, config.logging().events(), config.name());
        } catch (RuntimeException e) {
            broker.close();
            throw e;
        }
    }

    @Override
    public void close() {
        broker.close();
    }
}
