package io.sergeant.codec.msgpack;

import io.sergeant.api.config.DecodeLimits;
import io.sergeant.codec.Contexts;
import io.sergeant.spi.codec.Serializer;
import io.sergeant.testkit.codec.SerializerCompatibilitySuite;

class MsgpackSerializerCompatibilityTest extends SerializerCompatibilitySuite {

    @Override
    protected Serializer createSerializer(DecodeLimits limits) {
        return new MsgpackSerializerFactory().create(Contexts.none(), Contexts.utc(limits));
    }
}
