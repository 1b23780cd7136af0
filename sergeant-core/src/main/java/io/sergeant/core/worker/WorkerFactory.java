package io.sergeant.core.worker;

import com.google.inject.Guice;
import com.google.inject.Injector;
import com.google.inject.Module;
import io.sergeant.api.ErrorCode;
import io.sergeant.api.SergeantException;
import io.sergeant.api.worker.Worker;
import io.sergeant.core.Sergeant;
import io.sergeant.core.SergeantModule;
import io.sergeant.spi.worker.WorkerProvider;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.ServiceLoader;

/**
 * Loads a worker class by name and makes an instance through a {@link WorkerProvider}: the one given
 * to the constructor; otherwise Guice when Guice modules are named (with {@link SergeantModule} and the
 * user's modules, each named by class with a public no-argument constructor); otherwise the one
 * {@code WorkerProvider} registered with {@link ServiceLoader} (a Spring bridge, say); otherwise Guice
 * for a class with an {@code @Inject} constructor and the public no-argument constructor for the rest.
 * Failures are typed so the worker process can exit with Python Sergeant's codes: a missing class is
 * {@code WORKER_CLASS_NOT_FOUND} (exit 3); a class that cannot be loaded or built is a
 * {@link WorkerNotBuildableException} (exit 7); a constructor that throws is a
 * {@link WorkerConstructorException} (exit 1, respawned).
 */
public final class WorkerFactory {

    private final Sergeant sergeant;
    private final WorkerProvider provider;

    /** A factory building workers for this Sergeant, choosing the provider per class as described above. */
    public WorkerFactory(Sergeant sergeant) {
        this.sergeant = Objects.requireNonNull(sergeant, "sergeant is null");
        this.provider = null;
    }

    /** A factory that makes every worker with {@code provider} (Guice modules named to {@link #create} are ignored). */
    public WorkerFactory(Sergeant sergeant, WorkerProvider provider) {
        this.sergeant = Objects.requireNonNull(sergeant, "sergeant is null");
        this.provider = Objects.requireNonNull(provider, "provider is null");
    }

    /**
     * Loads the class and creates an instance.
     *
     * @param moduleClassNames Guice modules to install next to {@link SergeantModule}; may be empty
     */
    public Worker create(String workerClassName, List<String> moduleClassNames) {
        Class<? extends Worker> type = load(workerClassName);
        return create(type, providerFor(type, moduleClassNames));
    }

    /** The provider this factory uses for {@code type}. */
    WorkerProvider providerFor(Class<? extends Worker> type, List<String> moduleClassNames) {
        if (provider != null) {
            return provider;
        }
        if (!moduleClassNames.isEmpty()) {
            return guice(moduleClassNames);
        }
        WorkerProvider discovered = discovered();
        if (discovered != null) {
            return discovered;
        }
        return hasInjectConstructor(type) ? guice(List.of()) : WorkerProvider.constructors();
    }

    private static Worker create(Class<? extends Worker> type, WorkerProvider provider) {
        String name = type.getName();
        Worker worker;
        try {
            worker = provider.create(type);
        } catch (WorkerConstructorException | WorkerNotBuildableException e) {
            throw e;
        } catch (SergeantException e) {
            throw notBuildable(name, e.getMessage(), e);
        } catch (com.google.inject.ProvisionException e) {
            // The object graph is sound but a constructor (the worker's or a dependency's) threw.
            throw constructorFailed(name, e.getCause() != null ? e.getCause() : e);
        } catch (com.google.inject.ConfigurationException | com.google.inject.CreationException e) {
            throw notBuildable(name, "Guice could not build it: " + e.getMessage(), e);
        } catch (LinkageError e) {
            throw notBuildable(name, "instantiating it failed with " + e, e);
        } catch (Exception e) {
            throw constructorFailed(name, e);
        }
        if (worker == null) {
            throw notBuildable(name, "worker provider " + provider + " returned null", null);
        }
        if (!type.isInstance(worker)) {
            throw notBuildable(name, "worker provider " + provider + " returned a " + worker.getClass().getName(), null);
        }
        return worker;
    }

    /** A provider building workers with Guice from {@link SergeantModule} (bound to this Sergeant) and these modules. */
    private WorkerProvider guice(List<String> moduleClassNames) {
        List<Module> modules = new ArrayList<>();
        modules.add(com.google.inject.util.Modules.override(new SergeantModule())
                .with(binder -> binder.bind(Sergeant.class).toInstance(sergeant)));
        for (String moduleClassName : moduleClassNames) {
            modules.add(module(moduleClassName));
        }
        return new LazyGuice(modules);
    }

    /** The injector is created on first use, so that its failures are reported as the worker's. */
    private static final class LazyGuice implements WorkerProvider {

        private final List<Module> modules;

        LazyGuice(List<Module> modules) {
            this.modules = modules;
        }

        @Override
        public Worker create(Class<? extends Worker> type) {
            Injector injector = Guice.createInjector(modules);
            return injector.getInstance(type);
        }

        @Override
        public String toString() {
            return "Guice";
        }
    }

    /**
     * The one {@link WorkerProvider} registered with {@link ServiceLoader}, or null.
     *
     * @throws SergeantException {@code INVALID_CONFIGURATION} when several are registered
     */
    private static WorkerProvider discovered() {
        List<ServiceLoader.Provider<WorkerProvider>> found = ServiceLoader.load(WorkerProvider.class, loader())
                .stream().toList();
        if (found.isEmpty()) {
            return null;
        }
        if (found.size() > 1) {
            throw new SergeantException(ErrorCode.INVALID_CONFIGURATION, "several worker providers are registered in "
                    + "META-INF/services/" + WorkerProvider.class.getName() + ": "
                    + found.stream().map(p -> p.type().getName()).sorted().toList()
                    + "; keep one of them on the classpath");
        }
        try {
            return found.get(0).get();
        } catch (java.util.ServiceConfigurationError e) {
            throw new SergeantException(ErrorCode.INVALID_CONFIGURATION, "cannot create worker provider "
                    + found.get(0).type().getName() + " (it needs a public no-argument constructor): " + e.getMessage(), e);
        }
    }

    /** Loads a worker class. */
    @SuppressWarnings("unchecked")
    public static Class<? extends Worker> load(String workerClassName) {
        Class<?> type;
        try {
            type = Class.forName(workerClassName, true, loader());
        } catch (ClassNotFoundException | NoClassDefFoundError e) {
            throw new SergeantException(ErrorCode.WORKER_CLASS_NOT_FOUND, "could not find worker class: " + workerClassName
                    + "; check the name (fully qualified, for example com.acme.EmailWorker) and that its jar is on the classpath", e);
        } catch (LinkageError e) {
            throw notBuildable(workerClassName, "loading it failed with " + e, e);
        }
        if (!Worker.class.isAssignableFrom(type)) {
            throw notBuildable(workerClassName, "it does not extend " + Worker.class.getName(), null);
        }
        return (Class<? extends Worker>) type;
    }

    private static Module module(String moduleClassName) {
        try {
            Class<?> type = Class.forName(moduleClassName, true, loader());
            if (!Module.class.isAssignableFrom(type)) {
                throw new SergeantException(ErrorCode.INVALID_CONFIGURATION,
                        "Guice module " + moduleClassName + " does not implement com.google.inject.Module");
            }
            return (Module) type.getConstructor().newInstance();
        } catch (ReflectiveOperationException | LinkageError e) {
            throw new SergeantException(ErrorCode.INVALID_CONFIGURATION, "cannot create Guice module " + moduleClassName
                    + " (it needs a public no-argument constructor and must be on the classpath): " + e, e);
        }
    }

    private static boolean hasInjectConstructor(Class<?> type) {
        for (var constructor : type.getDeclaredConstructors()) {
            if (constructor.isAnnotationPresent(com.google.inject.Inject.class)
                    || constructor.isAnnotationPresent(jakarta.inject.Inject.class)) {
                return true;
            }
        }
        return false;
    }

    private static SergeantException notBuildable(String workerClassName, String why, Throwable cause) {
        return new WorkerNotBuildableException("cannot create worker " + workerClassName + ": " + why, cause);
    }

    private static SergeantException constructorFailed(String workerClassName, Throwable cause) {
        return new WorkerConstructorException("the constructor of worker " + workerClassName + " threw " + cause, cause);
    }

    private static ClassLoader loader() {
        ClassLoader loader = Thread.currentThread().getContextClassLoader();
        return loader != null ? loader : WorkerFactory.class.getClassLoader();
    }

    /**
     * The worker class loaded but its constructor (or, through Guice, a constructor it depends on)
     * threw: an abnormal exit (code 1) that the supervisor respawns, as Python Sergeant treats an
     * exception raised while instantiating the worker.
     */
    public static final class WorkerConstructorException extends SergeantException {

        WorkerConstructorException(String message, Throwable cause) {
            super(ErrorCode.INTERNAL_ERROR, message, cause);
        }
    }

    /**
     * A worker class that exists but cannot be loaded (its static initializer threw, a linkage error),
     * is not a {@link Worker}, has no usable constructor, or whose Guice bindings are incomplete
     * (exit code 7, which stops the supervisor, as an import error does in Python).
     */
    public static final class WorkerNotBuildableException extends SergeantException {

        WorkerNotBuildableException(String message, Throwable cause) {
            super(ErrorCode.WORKER_CLASS_NOT_FOUND, message, cause);
        }
    }
}
