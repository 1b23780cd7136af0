package io.sergeant.codec;

import io.sergeant.api.config.DecodeLimits;
import io.sergeant.spi.PluginContext;
import io.sergeant.spi.PluginOptions;

import java.time.Clock;
import java.util.Map;

/** Plugin contexts and options for tests: UTC clock, this class loader. */
public final class Contexts {

    private Contexts() {
    }

    public static PluginContext utc(DecodeLimits limits) {
        return new PluginContext(limits, Clock.systemUTC(), Contexts.class.getClassLoader());
    }

    public static PluginOptions options(Map<String, String> values) {
        return new PluginOptions("encoder", values);
    }

    public static PluginOptions none() {
        return options(Map.of());
    }
}
