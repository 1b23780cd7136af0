package io.sergeant.core.internal.runtime;

import io.sergeant.toolkit.process.Signals;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Objects;

/**
 * Installs a SIGTERM handler that runs an action once and then restores the default action, so a
 * second SIGTERM terminates the process (Python Sergeant's behaviour), through the toolkit's
 * {@link Signals}; where signals cannot be handled, falls back to a shutdown hook.
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
        Objects.requireNonNull(awaitEnd, "awaitEnd is null");
        boolean installed = Signals.handleOnce("TERM", () -> {
            log.info("stop signal has been received");
            onTerm.run();
        });
        if (!installed) {
            log.debug("sun.misc.Signal is unavailable; handling SIGTERM with a shutdown hook");
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                onTerm.run();
                awaitEnd.run();
            }, "sergeant-sigterm"));
        }
    }
}
