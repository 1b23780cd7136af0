package io.sergeant.codec.pickle;

import io.sergeant.api.config.DecodeLimits;
import io.sergeant.codec.Contexts;
import io.sergeant.spi.codec.Serializer;
import io.sergeant.testkit.codec.SerializerCompatibilitySuite;

class PickleSerializerCompatibilityTest extends SerializerCompatibilitySuite {

    @Override
    protected Serializer createSerializer(DecodeLimits limits) {
        return new PickleSerializerFactory().create(Contexts.none(), Contexts.utc(limits));
    }
}
