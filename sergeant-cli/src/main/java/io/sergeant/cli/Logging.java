package io.sergeant.cli;

import ch.qos.logback.classic.Level;
import org.slf4j.LoggerFactory;

/**
 * Logging controls of the command. The bundled {@code logback.xml} logs {@code io.sergeant} at the level
 * of the system property {@value #LEVEL_PROPERTY} (default INFO) to stderr; worker processes started by
 * the demo get it as a JVM option.
 */
final class Logging {

    /** The system property holding the level of the {@code io.sergeant} loggers. */
    static final String LEVEL_PROPERTY = "sergeant.log.level";

    private Logging() {
    }

    /**
     * Lowers the {@code io.sergeant} loggers of this JVM to WARN, so that a command's own output stays
     * readable; does nothing when Logback is not the SLF4J binding.
     */
    static void quietSergeantLoggers() {
        if (LoggerFactory.getLogger("io.sergeant") instanceof ch.qos.logback.classic.Logger logger) {
            logger.setLevel(Level.WARN);
        }
    }
}
