package io.sergeant.core.worker;

import com.google.inject.Guice;
import com.google.inject.Injector;
import com.google.inject.Module;
import io.sergeant.api.ErrorCode;
import io.sergeant.api.SergeantException;
import io.sergeant.api.worker.Worker;
import io.sergeant.core.Sergeant;
import io.sergeant.core.SergeantModule;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Loads and instantiates a worker class by name: with a public no-argument constructor, or through
 * Guice with {@link SergeantModule} and the user's modules (named by class, each with a public
 * no-argument constructor) when modules are given or the class has an {@code @Inject} constructor.
 * Failures are typed so the worker process can exit with Python Sergeant's codes: a missing class is
 * {@code WORKER_CLASS_NOT_FOUND} (exit 3); a class that cannot be loaded or built is a
 * {@link WorkerNotBuildableException} (exit 7); a constructor that throws is a
 * {@link WorkerConstructorException} (exit 1, respawned).
 */
public final class WorkerFactory {

    private final Sergeant sergeant;

    /** A factory building workers for this Sergeant. */
    public WorkerFactory(Sergeant sergeant) {
        this.sergeant = Objects.requireNonNull(sergeant, "sergeant is null");
    }

    /**
     * Loads the class and creates an instance.
     *
     * @param moduleClassNames Guice modules to install next to {@link SergeantModule}; may be empty
     */
    public Worker create(String workerClassName, List<String> moduleClassNames) {
        Class<? extends Worker> type = load(workerClassName);
        boolean injectable = !moduleClassNames.isEmpty() || hasInjectConstructor(type);
        if (!injectable) {
            try {
                return type.getConstructor().newInstance();
            } catch (NoSuchMethodException e) {
                throw notBuildable(workerClassName, "it has no public no-argument constructor and no @Inject constructor", e);
            } catch (java.lang.reflect.InvocationTargetException e) {
                throw constructorFailed(workerClassName, e.getCause());
            } catch (ReflectiveOperationException | RuntimeException | ExceptionInInitializerError e) {
                throw notBuildable(workerClassName, "instantiating it failed with " + e, e);
            }
        }
        List<Module> modules = new ArrayList<>();
        modules.add(new SergeantModule());
        for (String moduleClassName : moduleClassNames) {
            modules.add(module(moduleClassName));
        }
        try {
            Injector injector = Guice.createInjector(modules.stream()
                    .map(module -> module instanceof SergeantModule ? com.google.inject.util.Modules.override(module)
                            .with(binder -> binder.bind(Sergeant.class).toInstance(sergeant)) : module)
                    .toList());
            return injector.getInstance(type);
        } catch (com.google.inject.ProvisionException e) {
            // The object graph is sound but a constructor (the worker's or a dependency's) threw.
            throw constructorFailed(workerClassName, e.getCause() != null ? e.getCause() : e);
        } catch (RuntimeException e) {
            throw notBuildable(workerClassName, "Guice could not build it: " + e.getMessage(), e);
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
