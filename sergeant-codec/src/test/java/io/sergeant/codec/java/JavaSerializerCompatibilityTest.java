package io.sergeant.codec.java;

import io.sergeant.api.config.DecodeLimits;
import io.sergeant.codec.Contexts;
import io.sergeant.spi.codec.Serializer;
import io.sergeant.testkit.codec.SerializerCompatibilitySuite;

import java.util.Map;

class JavaSerializerCompatibilityTest extends SerializerCompatibilitySuite {

    @Override
    protected Serializer createSerializer(DecodeLimits limits) {
        return new JavaSerializerFactory().create(Contexts.options(Map.of("java.allow", "")), Contexts.utc(limits));
    }
}
