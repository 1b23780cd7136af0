package io.sergeant.codec.msgpack;

import io.sergeant.spi.SergeantPlugin;
import io.sergeant.codec.support.PrefixedOptions;
import io.sergeant.spi.PluginContext;
import io.sergeant.spi.PluginOptions;
import io.sergeant.spi.codec.Serializer;
import io.sergeant.spi.codec.SerializerFactory;

import java.util.Set;

/**
 * Creates the {@code msgpack} serializer ({@link MsgpackSerializer}). It has no options: any
 * {@code msgpack.*} key is rejected. Stateless and thread safe.
 */
@SergeantPlugin(name = "msgpack")
public final class MsgpackSerializerFactory implements SerializerFactory {

    /** The ServiceLoader constructor. */
    public MsgpackSerializerFactory() {
    }

    @Override
    public String name() {
        return "msgpack";
    }

    @Override
    public Serializer create(PluginOptions options, PluginContext context) {
        PrefixedOptions.select(options, "serializer", name(), Set.of());
        return new MsgpackSerializer(context);
    }
}
