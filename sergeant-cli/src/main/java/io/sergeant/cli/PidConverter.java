package io.sergeant.cli;

import ch.qos.logback.classic.pattern.ClassicConverter;
import ch.qos.logback.classic.spi.ILoggingEvent;

/**
 * The {@code %pid} conversion word of the bundled {@code logback.xml}: this process's id, so that the
 * interleaved output of a supervisor and its worker processes stays attributable (as Python Sergeant's
 * {@code %(process)d}). Thread safe.
 */
public final class PidConverter extends ClassicConverter {

    private final String pid = Long.toString(ProcessHandle.current().pid());

    /** A converter; logback instantiates it. */
    public PidConverter() {
    }

    @Override
    public String convert(ILoggingEvent event) {
        return pid;
    }
}
