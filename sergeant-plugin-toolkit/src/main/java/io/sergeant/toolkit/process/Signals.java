package io.sergeant.toolkit.process;

import java.lang.System.Logger.Level;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * The one signal helper: handlers for POSIX signals ({@code TERM}, {@code INT}, ...) through
 * {@code sun.misc.Signal} (module jdk.unsupported), used by reflection since javac rejects its direct use
 * under {@code -Werror}. Where it is unavailable (another JVM, or {@code -Xrs}) nothing is installed and
 * {@link #installed()} is false; callers choose their fallback.
 *
 * <p>A handler must return quickly: it runs on the JVM's signal dispatch thread. Thread safe.
 */
public final class Signals implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(Signals.class.getName());

    private final List<Runnable> restore = new ArrayList<>();

    private Signals() {
    }

    /**
     * Runs {@code onSignal} (with the signal's name, for example {@code TERM}) on every one of these
     * signals until {@link #close()}, which restores the previous handlers.
     *
     * @throws NullPointerException when an argument is null
     */
    public static Signals handle(List<String> names, Consumer<String> onSignal) {
        Objects.requireNonNull(onSignal, "onSignal is null");
        Signals signals = new Signals();
        for (String name : names) {
            signals.install(name, false, onSignal);
        }
        return signals;
    }

    /**
     * Runs {@code onSignal} on the first {@code name} signal after restoring the default action, so a
     * second one does what it would do without Sergeant (SIGTERM ends the process). Stays installed for
     * the life of the JVM.
     *
     * @return whether the handler is installed
     * @throws NullPointerException when an argument is null
     */
    public static boolean handleOnce(String name, Runnable onSignal) {
        Objects.requireNonNull(onSignal, "onSignal is null");
        return new Signals().install(name, true, ignored -> onSignal.run());
    }

    /** Whether at least one handler is installed. */
    public boolean installed() {
        synchronized (restore) {
            return !restore.isEmpty();
        }
    }

    private boolean install(String name, boolean once, Consumer<String> onSignal) {
        Objects.requireNonNull(name, "name is null");
        try {
            Class<?> signalClass = Class.forName("sun.misc.Signal");
            Class<?> handlerClass = Class.forName("sun.misc.SignalHandler");
            Object signal = signalClass.getConstructor(String.class).newInstance(name);
            Object defaultHandler = handlerClass.getField("SIG_DFL").get(null);
            Method handle = signalClass.getMethod("handle", signalClass, handlerClass);
            Object handler = Proxy.newProxyInstance(Signals.class.getClassLoader(), new Class<?>[] {handlerClass},
                    (proxy, method, args) -> switch (method.getName()) {
                        case "handle" -> {
                            if (once) {
                                handle.invoke(null, signal, defaultHandler);
                            }
                            onSignal.accept(name);
                            yield null;
                        }
                        case "toString" -> "sergeant SIG" + name + " handler";
                        case "hashCode" -> System.identityHashCode(proxy);
                        case "equals" -> proxy == args[0];
                        default -> null;
                    });
            Object previous = handle.invoke(null, signal, handler);
            synchronized (restore) {
                restore.add(() -> {
                    try {
                        handle.invoke(null, signal, previous);
                    } catch (ReflectiveOperationException | RuntimeException e) {
                        LOG.log(Level.DEBUG, "could not restore the SIG" + name + " handler: " + e);
                    }
                });
            }
            return true;
        } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
            LOG.log(Level.DEBUG, "cannot handle SIG" + name + ": " + e);
            return false;
        }
    }

    /** Restores the handlers that were in place before {@link #handle}. Idempotent. */
    @Override
    public void close() {
        List<Runnable> actions;
        synchronized (restore) {
            actions = new ArrayList<>(restore);
            restore.clear();
        }
        actions.forEach(Runnable::run);
    }
}
