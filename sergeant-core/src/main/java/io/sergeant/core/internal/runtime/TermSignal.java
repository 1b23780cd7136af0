package io.sergeant.core.internal.runtime;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.lang.reflect.Proxy;
import java.util.Objects;

/**
 * Installs a SIGTERM handler that runs an action once and then restores the default action, so a
 * second SIGTERM terminates the process (Python Sergeant's behaviour). Uses {@code sun.misc.Signal}
 * (module jdk.unsupported) through reflection, since javac rejects its direct use under
 * {@code -Werror}; where it is unavailable, falls back to a shutdown hook.
 */
public final class TermSignal {

    private static final Logger log = LoggerFactory.getLogger(TermSignal.class);

    private TermSignal() {
    }

    /**
     * Installs the handler.
     *
     * @param onTerm what to do on the first SIGTERM (must return quickly)
     * @param awaitEnd for the shutdown-hook fallback: blocks until the worker finished its shutdown
     */
    public static void install(Runnable onTerm, Runnable awaitEnd) {
        Objects.requireNonNull(onTerm, "onTerm is null");
        try {
            Class<?> signalClass = Class.forName("sun.misc.Signal");
            Class<?> handlerClass = Class.forName("sun.misc.SignalHandler");
            Object signal = signalClass.getConstructor(String.class).newInstance("TERM");
            Object defaultHandler = handlerClass.getField("SIG_DFL").get(null);
            var handle = signalClass.getMethod("handle", signalClass, handlerClass);
            Object handler = Proxy.newProxyInstance(TermSignal.class.getClassLoader(), new Class<?>[] {handlerClass},
                    (proxy, method, args) -> {
                        if (method.getName().equals("handle")) {
                            log.info("stop signal has been received");
                            handle.invoke(null, signal, defaultHandler);
                            onTerm.run();
                            return null;
                        }
                        if (method.getName().equals("toString")) {
                            return "sergeant SIGTERM handler";
                        }
                        if (method.getName().equals("hashCode")) {
                            return System.identityHashCode(proxy);
                        }
                        if (method.getName().equals("equals")) {
                            return proxy == args[0];
                        }
                        return null;
                    });
            handle.invoke(null, signal, handler);
        } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
            log.debug("sun.misc.Signal is unavailable ({}); handling SIGTERM with a shutdown hook", e.toString());
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                onTerm.run();
                awaitEnd.run();
            }, "sergeant-sigterm"));
        }
    }
}
