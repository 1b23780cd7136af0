package io.sergeant.cli.logging;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.joran.JoranConfigurator;
import ch.qos.logback.core.joran.spi.JoranException;
import org.slf4j.LoggerFactory;

import java.net.URL;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Configures this JVM's logback from the logging configuration the {@code sergeant} jar ships
 * (src/main/resources/logback.xml) with some system properties set, and puts the test configuration
 * back on close. Not thread safe: one at a time.
 */
final class ShippedLogback implements AutoCloseable {

    private final Map<String, String> previous = new HashMap<>();

    private ShippedLogback(Map<String, String> properties) {
        properties.forEach((key, value) -> previous.put(key, System.setProperty(key, value)));
        configure("/logback.xml");
    }

    /** Logback as shipped, with these system properties (for example {@code sergeant.log.appender}). */
    static ShippedLogback with(Map<String, String> properties) {
        return new ShippedLogback(properties);
    }

    LoggerContext context() {
        return (LoggerContext) LoggerFactory.getILoggerFactory();
    }

    private static void configure(String resource) {
        URL url = Objects.requireNonNull(ShippedLogback.class.getResource(resource), resource + " is not on the class path");
        LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
        context.reset();
        JoranConfigurator configurator = new JoranConfigurator();
        configurator.setContext(context);
        try {
            configurator.doConfigure(url);
        } catch (JoranException e) {
            throw new IllegalStateException("cannot configure logback from " + url + ": " + e, e);
        }
    }

    @Override
    public void close() {
        previous.forEach((key, value) -> {
            if (value == null) {
                System.clearProperty(key);
            } else {
                System.setProperty(key, value);
            }
        });
        configure("/logback-test.xml");
    }
}
