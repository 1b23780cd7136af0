package io.sergeant.benchmarks;

import io.sergeant.api.Task;
import io.sergeant.api.config.EncoderConfig;
import io.sergeant.core.internal.encoding.TaskEncoder;
import io.sergeant.core.internal.plugin.PluginRegistry;
import io.sergeant.spi.PluginContext;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The task every benchmark encodes: a few scalar arguments, a short list and a small nested map
 * (about 150 bytes in msgpack), like a typical "send this e-mail" or "process this order" task, with
 * a trace id. Also builds encoders by serializer and compressor name. Stateless.
 */
public final class TypicalTask {

    private TypicalTask() {
    }

    /** The typical task; equal on every call except for its creation date. */
    public static Task create() {
        Map<String, Object> kwargs = new LinkedHashMap<>();
        kwargs.put("id", 1_234_567L);
        kwargs.put("email", "someone@example.com");
        kwargs.put("subject", "Your order #1234567 has shipped");
        kwargs.put("amount", 149.95);
        kwargs.put("urgent", Boolean.FALSE);
        kwargs.put("tags", List.of("order", "shipping", "email"));
        Map<String, Object> address = new LinkedHashMap<>();
        address.put("street", "1 Main Street");
        address.put("city", "Springfield");
        address.put("zip", "12345");
        kwargs.put("address", address);
        return Task.of(kwargs, "4bf92f3577b34da6a3ce929d0e0e4736");
    }

    /**
     * An encoder for {@code serializer} and {@code compressor} from the plugins on the class path; the
     * {@code java} serializer gets an empty {@code java.allow} (JDK value types only).
     *
     * @throws io.sergeant.api.SergeantException {@code UNKNOWN_PLUGIN} for an unknown name
     */
    public static TaskEncoder encoder(PluginRegistry registry, String serializer, String compressor) {
        Map<String, String> options = "java".equals(serializer) ? Map.of("java.allow", "") : Map.of();
        return TaskEncoder.create(new EncoderConfig(serializer, compressor, options), registry, PluginContext.defaults());
    }
}
