package io.sergeant.core.internal.runtime;

import io.sergeant.toolkit.process.Signals;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Objects;

/**
 * Installs SIGTERM and SIGINT (Ctrl-C) handlers that each run an action once and then restore the
 * signal's default action, through the toolkit's {@link Signals}: the first SIGTERM or Ctrl-C asks for a
 * graceful stop (Python Sergeant's SIGTERM behaviour), a second one of the same kind terminates the process
 * (a second Ctrl-C exits 130, as a shell expects). Where signals cannot be handled, falls back to a shutdown hook.
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
        Signals.handleOnce("INT", () -> {
            log.info("interrupt signal (Ctrl-C) has been received: stopping gracefully; press Ctrl-C again to force");
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
