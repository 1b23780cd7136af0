package io.sergeant.core.worker;

import io.sergeant.api.config.WorkerConfig;
import io.sergeant.api.worker.Worker;
import io.sergeant.api.worker.WorkerSignal;
import io.sergeant.core.Sergeant;
import io.sergeant.core.config.WorkerConfigProperties;
import io.sergeant.core.internal.runtime.ChildConfiguration;
import io.sergeant.core.internal.runtime.LifecycleTaskRunner;
import io.sergeant.core.internal.runtime.WorkerAssembly;
import io.sergeant.spi.execution.ChildRuntime;
import io.sergeant.spi.execution.ChildRuntimeProvider;
import io.sergeant.spi.execution.TaskCodec;
import io.sergeant.spi.execution.TaskRunner;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;

/**
 * Hosts a worker in a child process of the process executor: builds it like a worker process does
 * (arguments {@code --guice-module M} name Guice modules) with the effective configuration its parent
 * handed over ({@link ChildConfiguration}; without one, the class's {@code config()} with the
 * {@code sergeant.config.*} system properties), runs {@code initialize}, and runs
 * {@code finalizeWorker} on close. Registered as a {@link ChildRuntimeProvider} service: the entry point of
 * a process executor's child, as {@link WorkerMain} is the entry point of a worker process.
 */
public final class CoreChildRuntimeProvider implements ChildRuntimeProvider {

    private static final Logger log = LoggerFactory.getLogger(CoreChildRuntimeProvider.class);

    /** Public for ServiceLoader. */
    public CoreChildRuntimeProvider() {
    }

    /**
     * Every worker class, and every class that cannot be loaded here ({@link #open} reports why); not a
     * class that loads and is no {@link Worker}, which another provider may host.
     */
    @Override
    public boolean hosts(String workerClassName) {
        ClassLoader loader = Thread.currentThread().getContextClassLoader();
        try {
            Class<?> type = Class.forName(workerClassName, false,
                    loader != null ? loader : CoreChildRuntimeProvider.class.getClassLoader());
            return Worker.class.isAssignableFrom(type);
        } catch (ClassNotFoundException | LinkageError e) {
            return true;
        }
    }

    @Override
    public ChildRuntime open(String workerClassName, List<String> workerArguments) {
        Sergeant sergeant = Sergeant.create();
        List<String> modules = new ArrayList<>();
        for (int i = 0; i < workerArguments.size(); i++) {
            if (workerArguments.get(i).equals("--guice-module") && i + 1 < workerArguments.size()) {
                modules.add(workerArguments.get(++i));
            }
        }
        Worker worker = new WorkerFactory(sergeant).create(workerClassName, modules);
        // The parent hands its effective configuration over (ChildConfiguration); an executor that does
        // not gets the class's configuration with the sergeant.config.* overrides the child inherited.
        WorkerConfig config = ChildConfiguration.read(System.getProperties())
                .orElseGet(() -> WorkerConfigProperties.effective(worker.config(), System.getProperties()));
        WorkerAssembly assembly = new WorkerAssembly(worker, config, sergeant);
        try {
            worker.initialize();
        } catch (Exception | AssertionError | WorkerSignal e) {
            log.error("initialize has failed in a child process: {}", LifecycleTaskRunner.logged(e), e);
        }
        return new ChildRuntime() {
            private boolean closed;

            @Override
            public TaskRunner runner() {
                return assembly.runner();
            }

            @Override
            public TaskCodec codec() {
                return assembly.broker().encoder();
            }

            @Override
            public synchronized void close() {
                if (closed) {
                    return;
                }
                closed = true;
                try {
                    worker.finalizeWorker();
                } catch (Exception | AssertionError | WorkerSignal e) {
                    log.error("finalize has failed in a child process: {}", LifecycleTaskRunner.logged(e), e);
                } finally {
                    assembly.close();
                }
            }
        };
    }
}
