package io.sergeant.codec.pickle;

import io.sergeant.spi.SergeantPlugin;
import io.sergeant.codec.support.Errors;
import io.sergeant.codec.support.PrefixedOptions;
import io.sergeant.spi.PluginContext;
import io.sergeant.spi.PluginOptions;
import io.sergeant.spi.codec.Serializer;
import io.sergeant.spi.codec.SerializerFactory;

import java.util.Set;

/**
 * Creates the {@code pickle} serializer ({@link PickleSerializer}). Option {@code pickle.protocol}: the
 * protocol number written in the header, 5 (default, as Python 3.8+) or 4 (for Python 3.7 consumers);
 * reading accepts 2 to 5 either way. Unknown {@code pickle.*} keys are rejected. Stateless and thread safe.
 */
@SergeantPlugin(name = "pickle")
public final class PickleSerializerFactory implements SerializerFactory {

    /** The ServiceLoader constructor. */
    public PickleSerializerFactory() {
    }

    @Override
    public String name() {
        return "pickle";
    }

    @Override
    public Serializer create(PluginOptions options, PluginContext context) {
        PluginOptions own = PrefixedOptions.select(options, "serializer", name(), Set.of("pickle.protocol"));
        int protocol = own.integer("pickle.protocol", 5);
        if (protocol != 4 && protocol != 5) {
            throw Errors.invalidConfiguration("option 'pickle.protocol' is " + protocol
                    + "; expected 5 (Python 3.8+, the default) or 4 (Python 3.7)");
        }
        return new PickleSerializer(context, protocol);
    }
}
