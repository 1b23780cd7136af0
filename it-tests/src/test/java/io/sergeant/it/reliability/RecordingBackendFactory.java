package io.sergeant.it.reliability;

import io.sergeant.api.ErrorCode;
import io.sergeant.api.SergeantException;
import io.sergeant.spi.PluginContext;
import io.sergeant.spi.PluginOptions;
import io.sergeant.spi.backend.Backend;
import io.sergeant.spi.backend.BackendFactory;
import io.sergeant.spi.backend.BackendSpec;
import io.sergeant.spi.backend.Delivery;
import io.sergeant.spi.codec.Serializer;
import io.sergeant.spi.codec.SerializerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.Set;

/**
 * A backend for the worker JVMs of the fault tests: {@code recorded:<uri>} opens the backend of
 * {@code <uri>} and records, for every task a pop returns, an {@code F} (fetched) record in the history
 * directory of {@link HistoryWorker#HISTORY_PROPERTY}, so the checker knows which tasks a killed worker held
 * without having started them. Everything else goes to the real backend unchanged (a dynamic proxy over
 * every interface the real backend implements). Payloads are decoded with the {@code msgpack} serializer,
 * the fault tests' encoding; one that does not decode is not recorded.
 *
 * <p>Deliberately not listed in the test class path's {@code META-INF/services} (the architecture rules
 * allow production factories only): {@link #pluginDirectory(Path)} writes a services file into a directory
 * that {@link FaultRun} appends to the workers' class path only.
 */
public final class RecordingBackendFactory implements BackendFactory {

    /** The scheme prefix. */
    public static final String SCHEME = "recorded";

    /** A public no-argument constructor, for {@link ServiceLoader}. */
    public RecordingBackendFactory() {
    }

    @Override
    public String name() {
        return SCHEME;
    }

    @Override
    public Set<String> schemes() {
        return Set.of(SCHEME);
    }

    @Override
    public Backend create(BackendSpec spec, PluginContext context) {
        String inner = spec.uri().substring(SCHEME.length() + 1);
        BackendSpec innerSpec = new BackendSpec(inner, spec.options());
        BackendFactory factory = ServiceLoader.load(BackendFactory.class, context.classLoader()).stream()
                .map(ServiceLoader.Provider::get)
                .filter(candidate -> !(candidate instanceof RecordingBackendFactory))
                .filter(candidate -> candidate.schemes().contains(innerSpec.scheme()))
                .findFirst()
                .orElseThrow(() -> new SergeantException(ErrorCode.INVALID_CONFIGURATION,
                        "no backend serves scheme '" + innerSpec.scheme() + "' behind " + SCHEME + ":"));
        Backend real = factory.create(innerSpec, context);
        Serializer serializer = ServiceLoader.load(SerializerFactory.class, context.classLoader()).stream()
                .map(ServiceLoader.Provider::get).filter(candidate -> candidate.name().equals("msgpack")).findFirst()
                .orElseThrow(() -> new IllegalStateException("the msgpack serializer is not on the class path"))
                .create(new PluginOptions("serializer 'msgpack'", Map.of()), context);
        String directory = System.getProperty(HistoryWorker.HISTORY_PROPERTY);
        HistoryLog log = directory == null ? null : HistoryLog.open(Path.of(directory), "fetcher");
        Set<Class<?>> interfaces = new LinkedHashSet<>();
        for (Class<?> type = real.getClass(); type != null; type = type.getSuperclass()) {
            collect(type, interfaces);
        }
        return (Backend) Proxy.newProxyInstance(RecordingBackendFactory.class.getClassLoader(),
                interfaces.toArray(Class<?>[]::new), (proxy, method, args) -> {
                    Object result = invoke(real, method, args);
                    if (log != null && method.getName().equals("pop") && result instanceof List<?> deliveries) {
                        record(log, serializer, deliveries);
                    }
                    if (method.getName().equals("close") && log != null) {
                        log.close();
                    }
                    return result;
                });
    }

    private static Object invoke(Backend real, Method method, Object[] args) throws Throwable {
        try {
            return method.invoke(real, args);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }

    private static void collect(Class<?> type, Set<Class<?>> into) {
        for (Class<?> implemented : type.getInterfaces()) {
            if (java.lang.reflect.Modifier.isPublic(implemented.getModifiers()) && into.add(implemented)) {
                collect(implemented, into);
            }
        }
    }

    private static void record(HistoryLog log, Serializer serializer, List<?> deliveries) {
        List<String> ids = new ArrayList<>(deliveries.size());
        for (Object item : deliveries) {
            if (item instanceof Delivery delivery) {
                try {
                    Object id = serializer.deserializeTask(delivery.payload()).kwargs().get("id");
                    if (id instanceof String text && !text.isEmpty() && text.indexOf('\t') < 0 && text.indexOf('\n') < 0) {
                        ids.add(text);
                    }
                } catch (RuntimeException e) {
                    // Not a task of the fault tests: nothing to record.
                }
            }
        }
        if (!ids.isEmpty()) {
            log.fetched(ids);
        }
    }

    /**
     * Writes {@code META-INF/services/io.sergeant.spi.backend.BackendFactory} naming this factory under
     * {@code directory}, for a worker class path.
     */
    static Path pluginDirectory(Path directory) {
        Path services = directory.resolve("META-INF").resolve("services");
        try {
            Files.createDirectories(services);
            Files.writeString(services.resolve(BackendFactory.class.getName()), RecordingBackendFactory.class.getName() + "\n",
                    StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the recording backend's services file under " + directory, e);
        }
        return directory;
    }
}
