package io.sergeant.it.hygiene;

import io.sergeant.api.config.Timeouts;
import io.sergeant.spi.PluginContext;
import io.sergeant.spi.PluginOptions;
import io.sergeant.spi.backend.BackendFactory;
import io.sergeant.spi.backend.BackendSpec;
import io.sergeant.spi.codec.CompressorFactory;
import io.sergeant.spi.codec.SerializerFactory;
import io.sergeant.spi.execution.ExecutionContext;
import io.sergeant.spi.execution.ExecutorFactory;
import io.sergeant.spi.execution.ExecutorSpec;
import io.sergeant.spi.execution.Killer;
import io.sergeant.spi.execution.KillerFactory;
import io.sergeant.testkit.execution.ScriptedTaskRunner;
import io.sergeant.testkit.execution.SimpleTaskCodec;
import io.sergeant.testkit.options.OptionHygiene;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Holds every installed plugin (every factory ServiceLoader finds on the it-tests class path) to the
 * testkit's {@link OptionHygiene}: unknown option keys refused at creation with a "did you mean", and
 * option names in lower camel case. Nothing is connected to: options are checked before any connection.
 */
@DisplayName("Every installed plugin")
class PluginOptionsTest {

    @TempDir
    Path dir;

    @Test
    @DisplayName("refuses unknown option keys with a 'did you mean' and names its options in lower camel case")
    void everyPluginKeepsTheOptionRules() {
        Map<String, List<String>> checked = new TreeMap<>();
        for (BackendFactory factory : ServiceLoader.load(BackendFactory.class)) {
            String uri = exampleUri(factory);
            checked.put("backend " + factory.name(), OptionHygiene.check("backend '" + factory.name() + "'",
                    options -> factory.create(new BackendSpec(uri, options), PluginContext.defaults()).close(), ""));
        }
        for (SerializerFactory factory : ServiceLoader.load(SerializerFactory.class)) {
            checked.put("serializer " + factory.name(), OptionHygiene.check("serializer '" + factory.name() + "'",
                    options -> factory.create(new PluginOptions("encoder", options), PluginContext.defaults()),
                    factory.name() + "."));
        }
        for (CompressorFactory factory : ServiceLoader.load(CompressorFactory.class)) {
            checked.put("compressor " + factory.name(), OptionHygiene.check("compressor '" + factory.name() + "'",
                    options -> factory.create(new PluginOptions("encoder", options), PluginContext.defaults()),
                    factory.name() + "."));
        }
        List<Killer> killers = new ArrayList<>();
        try {
            for (ExecutorFactory factory : ServiceLoader.load(ExecutorFactory.class)) {
                KillerFactory killerFactory = ServiceLoader.load(KillerFactory.class).stream()
                        .map(ServiceLoader.Provider::get).filter(k -> k.name().equals(factory.name())).findFirst()
                        .orElseThrow(() -> new AssertionError("no killer named " + factory.name()));
                Killer killer = killerFactory.create(Timeouts.DEFAULT, PluginContext.defaults());
                killers.add(killer);
                ExecutionContext context = new ExecutionContext(new ScriptedTaskRunner(), killer, new SimpleTaskCodec(),
                        "com.example.NoWorker", List.of(), PluginContext.defaults());
                checked.put("executor " + factory.name(), OptionHygiene.check("executor '" + factory.name() + "'",
                        options -> factory.create(new ExecutorSpec(1, Timeouts.DEFAULT,
                                new PluginOptions("executor '" + factory.name() + "'", options)), context).close(), ""));
            }
        } finally {
            killers.forEach(Killer::close);
        }

        assertThat(checked).as("plugins checked").containsKeys("backend local", "backend redis", "backend mongo",
                "serializer msgpack", "serializer pickle", "serializer java", "compressor zlib", "compressor gzip",
                "compressor bzip2", "compressor lzma", "executor thread", "executor process");
    }

    private String exampleUri(BackendFactory factory) {
        return switch (factory.name()) {
            case "local" -> "sqlite:" + dir.resolve("options.db");
            case "redis" -> "redis://127.0.0.1:1/0";
            case "mongo" -> "mongodb://127.0.0.1:1";
            default -> factory.schemes().iterator().next() + "://127.0.0.1:1";
        };
    }
}
