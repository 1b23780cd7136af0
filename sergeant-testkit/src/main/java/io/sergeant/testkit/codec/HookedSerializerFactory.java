package io.sergeant.testkit.codec;

import io.sergeant.api.Task;
import io.sergeant.spi.PluginContext;
import io.sergeant.spi.PluginOptions;
import io.sergeant.spi.codec.Serializer;
import io.sergeant.spi.codec.SerializerFactory;

import java.util.Objects;
import java.util.ServiceLoader;

/**
 * A base for test serializer factories that wrap another one and see, or hold up, every task decode: the
 * serializers it creates call {@link #beforeDecode} on the decoding thread before each {@code deserializeTask} and
 * {@link #decoded} with its task after, and otherwise do exactly what the wrapped serializer does (the deadline
 * passed on as given). A test subclasses it in a few lines and hands an instance to {@code Sergeant.create}; with the
 * wrapped factory's own name it stands in for it. Abstract, so never a plugin of its own: it is not registered for
 * discovery (docs/decisions.md, "Shared fault proxy and decode hook for tests"). Thread safe if the subclass's hooks
 * are.
 */
public abstract class HookedSerializerFactory implements SerializerFactory {

    private final String name;
    private final SerializerFactory delegate;

    /** Wraps {@code delegate}'s serializers under {@code name}. */
    protected HookedSerializerFactory(String name, SerializerFactory delegate) {
        this.name = Objects.requireNonNull(name, "name is null");
        this.delegate = Objects.requireNonNull(delegate, "delegate is null");
    }

    /**
     * The serializer factory named {@code name} found by the {@link ServiceLoader} (say {@code msgpack}).
     *
     * @throws IllegalStateException if none is on the class path
     */
    public static SerializerFactory discovered(String name) {
        return ServiceLoader.load(SerializerFactory.class).stream().map(ServiceLoader.Provider::get)
                .filter(factory -> factory.name().equals(name)).findFirst()
                .orElseThrow(() -> new IllegalStateException("no serializer factory named '" + name + "' on the class path"));
    }

    /** Before {@code data} is decoded, on the decoding thread (it may block, to hold the decode up). Does nothing here. */
    protected void beforeDecode(byte[] data) {
    }

    /** After {@code task} was decoded, on the decoding thread (not called when decoding threw). Does nothing here. */
    protected void decoded(Task task) {
    }

    @Override
    public final String name() {
        return name;
    }

    @Override
    public final Serializer create(PluginOptions options, PluginContext context) {
        Serializer serializer = delegate.create(options, context);
        return new Serializer() {
            @Override
            public byte[] serializeTask(Task task) {
                return serializer.serializeTask(task);
            }

            @Override
            public Task deserializeTask(byte[] data) {
                beforeDecode(data);
                Task task = serializer.deserializeTask(data);
                decoded(task);
                return task;
            }

            @Override
            public Task deserializeTask(byte[] data, long deadlineNanos) {
                beforeDecode(data);
                Task task = serializer.deserializeTask(data, deadlineNanos);
                decoded(task);
                return task;
            }

            @Override
            public byte[] serializeValue(Object value) {
                return serializer.serializeValue(value);
            }

            @Override
            public Object deserializeValue(byte[] data) {
                return serializer.deserializeValue(data);
            }
        };
    }
}
