package io.sergeant.opentelemetry;

import io.opentelemetry.api.GlobalOpenTelemetry;
import io.sergeant.api.observe.SergeantListener;
import io.sergeant.api.observe.SergeantListenerProvider;

import java.util.Map;

/**
 * The {@code opentelemetry} listener of worker processes ({@code -Dsergeant.listeners=opentelemetry}):
 * {@link SergeantTracing} over {@link GlobalOpenTelemetry}, which the OpenTelemetry Java agent (or an
 * SDK the application registered globally) provides; without either, spans are no-ops. No settings.
 */
public final class OpenTelemetryListenerProvider implements SergeantListenerProvider {

    /** Public for ServiceLoader. */
    public OpenTelemetryListenerProvider() {
    }

    @Override
    public String name() {
        return "opentelemetry";
    }

    @Override
    public SergeantListener create(Map<String, String> settings) {
        if (!settings.isEmpty()) {
            throw new IllegalArgumentException("the opentelemetry listener takes no settings, got " + settings.keySet()
                    + "; configure OpenTelemetry itself (the agent's otel.* properties)");
        }
        return new SergeantTracing(GlobalOpenTelemetry.get());
    }
}
