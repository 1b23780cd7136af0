package io.sergeant.spi;

import io.sergeant.api.config.DecodeLimits;

import java.time.Clock;

/**
 * What core hands to every plugin factory when it creates a plugin: the decoder bounds, a clock and
 * the class loader that found the plugin. Immutable and thread safe.
 *
 * <p>Plugins log through {@link System.Logger} ({@code System.getLogger(...)}); the {@code sergeant}
 * command routes it to SLF4J and Logback.
 *
 * @param limits      decoder bounds every decoder must honour
 * @param clock       the clock to use for local time decisions
 * @param classLoader the class loader plugins should use to load user classes
 */
public record PluginContext(DecodeLimits limits, Clock clock, ClassLoader classLoader) {

    /** Checks that no part is null. */
    public PluginContext {
        java.util.Objects.requireNonNull(limits, "limits is null");
        java.util.Objects.requireNonNull(clock, "clock is null");
        java.util.Objects.requireNonNull(classLoader, "classLoader is null");
    }

    /** Default limits, the system clock and this class's loader; for tests and simple embeddings. */
    public static PluginContext defaults() {
        return new PluginContext(DecodeLimits.DEFAULT, Clock.systemUTC(), PluginContext.class.getClassLoader());
    }
}
