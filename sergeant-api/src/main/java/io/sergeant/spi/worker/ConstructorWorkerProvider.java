package io.sergeant.spi.worker;

import io.sergeant.api.ErrorCode;
import io.sergeant.api.SergeantException;
import io.sergeant.api.worker.Worker;

import java.lang.reflect.InvocationTargetException;

/** {@link WorkerProvider#constructors()}: the public no-argument constructor. */
enum ConstructorWorkerProvider implements WorkerProvider {
    INSTANCE;

    @Override
    public Worker create(Class<? extends Worker> type) throws Exception {
        java.lang.reflect.Constructor<? extends Worker> constructor;
        try {
            constructor = type.getConstructor();
        } catch (NoSuchMethodException e) {
            throw new SergeantException(ErrorCode.WORKER_CLASS_NOT_FOUND, "cannot create worker " + type.getName()
                    + ": it has no public no-argument constructor (give it one, an @Inject constructor, "
                    + "or make it with a WorkerProvider: Guice, Spring or your own)", e);
        }
        try {
            return constructor.newInstance();
        } catch (InvocationTargetException e) {
            Throwable cause = e.getCause();
            if (cause instanceof Exception exception) {
                throw exception;
            }
            if (cause instanceof Error error) {
                throw error;
            }
            throw e;
        } catch (InstantiationException | IllegalAccessException e) {
            throw new SergeantException(ErrorCode.WORKER_CLASS_NOT_FOUND, "cannot create worker " + type.getName()
                    + ": " + e, e);
        }
    }

    @Override
    public String toString() {
        return "constructors";
    }
}
