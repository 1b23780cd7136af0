package io.sergeant.codec.java;

import io.sergeant.spi.SergeantPlugin;
import io.sergeant.codec.support.Errors;
import io.sergeant.codec.support.PrefixedOptions;
import io.sergeant.spi.PluginContext;
import io.sergeant.spi.PluginOptions;
import io.sergeant.spi.codec.Serializer;
import io.sergeant.spi.codec.SerializerFactory;

import java.util.Set;

/**
 * Creates the {@code java} serializer ({@link JavaSerializer}). The option {@code java.allow} is
 * mandatory: comma-separated class names ({@code com.acme.Order}), packages ({@code com.acme.*}) or
 * package trees ({@code com.acme.**}) that may be read besides the built-in JDK value types; an empty
 * value allows only the built-in types. Unknown {@code java.*} keys are rejected. Stateless and thread safe.
 */
@SergeantPlugin(name = "java")
public final class JavaSerializerFactory implements SerializerFactory {

    /** The ServiceLoader constructor. */
    public JavaSerializerFactory() {
    }

    @Override
    public String name() {
        return "java";
    }

    @Override
    public Serializer create(PluginOptions options, PluginContext context) {
        PluginOptions own = PrefixedOptions.select(options, "serializer", name(), Set.of("java.allow"));
        if (!own.asMap().containsKey("java.allow")) {
            throw Errors.invalidConfiguration("serializer 'java' needs the option 'java.allow', the classes it may"
                    + " read besides JDK value types (String, numbers, java.util collections, byte[], java.time),"
                    + " for example java.allow=com.acme.tasks.**,com.acme.Order; set it to an empty value to allow"
                    + " only the JDK value types. JDK serialization of unlisted classes is never allowed.");
        }
        return new JavaSerializer(ClassAllowList.parse(own.list("java.allow")), context);
    }
}
