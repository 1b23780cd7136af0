package io.sergeant.core.supervisor;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * Handlers for SIGTERM and SIGINT that run an action on every signal, and restore the previous handlers
 * when closed. Uses {@code sun.misc.Signal} (module jdk.unsupported) through reflection, since javac
 * rejects its direct use under {@code -Werror}; where it is unavailable (or the JVM runs with
 * {@code -Xrs}) nothing is installed and {@link #installed()} is false.
 */
final class Signals implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(Signals.class);

    private final List<Runnable> restore = new ArrayList<>();

    private Signals() {
    }

    /**
     * Installs {@code onSignal} for SIGTERM and SIGINT; it receives the signal's name ({@code TERM},
     * {@code INT}) and must return quickly.
     */
    static Signals install(Consumer<String> onSignal) {
        Objects.requireNonNull(onSignal, "onSignal is null");
        Signals signals = new Signals();
        for (String name : List.of("TERM", "INT")) {
            signals.installOne(name, onSignal);
        }
        return signals;
    }

    /** Whether at least one handler is installed. */
    boolean installed() {
        return !restore.isEmpty();
    }

    private void installOne(String name, Consumer<String> onSignal) {
        try {
            Class<?> signalClass = Class.forName("sun.misc.Signal");
            Class<?> handlerClass = Class.forName("sun.misc.SignalHandler");
            Object signal = signalClass.getConstructor(String.class).newInstance(name);
            Method handle = signalClass.getMethod("handle", signalClass, handlerClass);
            Object handler = Proxy.newProxyInstance(Signals.class.getClassLoader(), new Class<?>[] {handlerClass},
                    (proxy, method, args) -> switch (method.getName()) {
                        case "handle" -> {
                            onSignal.accept(name);
                            yield null;
                        }
                        case "toString" -> "sergeant supervisor SIG" + name + " handler";
                        case "hashCode" -> System.identityHashCode(proxy);
                        case "equals" -> proxy == args[0];
                        default -> null;
                    });
            Object previous = handle.invoke(null, signal, handler);
            restore.add(() -> {
                try {
                    handle.invoke(null, signal, previous);
                } catch (ReflectiveOperationException | RuntimeException e) {
                    log.debug("could not restore the SIG{} handler: {}", name, e.toString());
                }
            });
        } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
            log.debug("cannot handle SIG{} ({}); the supervisor stops gracefully only through requestStop()", name, e.toString());
        }
    }

    /** Restores the previous handlers. Idempotent. */
    @Override
    public void close() {
        restore.forEach(Runnable::run);
        restore.clear();
    }
}
