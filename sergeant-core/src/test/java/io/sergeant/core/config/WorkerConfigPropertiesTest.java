package io.sergeant.core.config;

import io.sergeant.api.SergeantException;
import io.sergeant.api.config.DeliveryMode;
import io.sergeant.api.config.WorkerConfig;
import io.sergeant.spi.PluginOptions;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class WorkerConfigPropertiesTest {

    private final WorkerConfig base = WorkerConfig.builder("q").build();

    @Test
    void propertiesOverrideTheirKeysAndPassPluginOptionsThrough() {
        WorkerConfig config = WorkerConfigProperties.apply(base, Map.of(
                "backend", "redis://localhost:6379/0",
                "tasksPerTransaction", "500",
                "executor.kind", "process",
                "executor.concurrency", "4",
                "encoder.compressor", "zlib",
                "timeouts.timeout", "30s",
                "delivery.mode", "at-most-once",
                "delivery.lease", "2m",
                "backend.option.shards", "3",
                "starvation.timeWithNoTasks", "10"));

        assertThat(config.backend()).isEqualTo("redis://localhost:6379/0");
        assertThat(config.tasksPerTransaction()).isEqualTo(500);
        assertThat(config.executor().kind()).isEqualTo("process");
        assertThat(config.executor().killer()).isEqualTo("process");
        assertThat(config.executor().concurrency()).isEqualTo(4);
        assertThat(config.encoder().compressor()).isEqualTo("zlib");
        assertThat(config.timeouts().timeout()).isEqualTo(Duration.ofSeconds(30));
        assertThat(config.delivery().mode()).isEqualTo(DeliveryMode.AT_MOST_ONCE);
        assertThat(config.delivery().lease()).isEqualTo(Duration.ofMinutes(2));
        assertThat(config.backendOptions()).containsEntry("shards", "3");
        assertThat(config.starvation().timeWithNoTasks()).isEqualTo(10);
    }

    @Test
    void unknownKeysAndBadValuesAreReportedTogether() {
        assertThatThrownBy(() -> WorkerConfigProperties.apply(base, Map.of(
                "tasksPerTransacton", "5",
                "maxRetries", "many",
                "delivery.mode", "exactly-once",
                "backend", "redis://:secret@host")))
                .isInstanceOf(SergeantException.class)
                .hasMessageContaining("tasksPerTransacton: unknown key (did you mean 'tasksPerTransaction'?); known keys: ")
                .hasMessageContaining("maxRetries: cannot use 'many'")
                .hasMessageContaining("delivery.mode: cannot use 'exactly-once'")
                .hasMessageContaining("3 problems");
    }

    @Test
    void aKeyAndAPluginOptionAcceptAndRefuseTheSameTextsWithTheSameWords() {
        List<String> durations = List.of("500ms", "1.5s", "2m", "PT1M", " 3s ", "2 m", "10x", "", "-1s", "ms");
        List<String> sizes = List.of("1048576", "512K", "16MB", "1g", "1.5M", "lots", "-1", "99999999999999999G");
        List<String> wholeNumbers = List.of("4", " 4", "4.0", "four", "99999999999");
        List<String> booleans = List.of("true", "FALSE", "yes", "1");
        agree("limits.decodeDeadline", durations, PluginOptions.EXPECTED_DURATION, (o, k) -> o.duration(k, null));
        agree("limits.maxRetainedBytes", sizes, PluginOptions.EXPECTED_SIZE, (o, k) -> o.size(k, 0));
        agree("limits.maxDepth", wholeNumbers, PluginOptions.EXPECTED_INTEGER, (o, k) -> o.integer(k, 0));
        agree("logging.summary", booleans, PluginOptions.EXPECTED_BOOLEAN, (o, k) -> o.bool(k, false));
    }

    /** Each text is accepted by the key and by a plugin option alike, or refused by both naming {@code expected}. */
    private void agree(String key, List<String> texts, String expected, BiFunction<PluginOptions, String, Object> read) {
        for (String text : texts) {
            RuntimeException byKey = refusal(() -> WorkerConfigProperties.apply(base, Map.of(key, text)));
            RuntimeException byOption = refusal(() -> read.apply(new PluginOptions("plugin 'x'", Map.of("o", text)), "o"));
            assertThat(byKey == null).as("'%s' for %s: %s / %s", text, key, byKey, byOption).isEqualTo(byOption == null);
            if (byKey != null) {
                assertThat(byKey).hasMessageContaining(key + ": cannot use '" + text.trim() + "': expected " + expected);
                assertThat(byOption).hasMessageEndingWith("is '" + text + "'; expected " + expected);
            }
        }
    }

    private static RuntimeException refusal(Runnable call) {
        try {
            call.run();
            return null;
        } catch (RuntimeException e) {
            return e;
        }
    }

    @Test
    void everyDocumentedKeyIsAccepted() {
        assertThat(WorkerConfigProperties.keyNames()).contains("name", "backend", "delivery.maxDeliveries", "limits.maxDepth");
    }

    /** A configuration in which every part differs from the defaults. */
    private static WorkerConfig everythingSet() {
        return WorkerConfig.builder("every-part").backend("redis://:pw@127.0.0.1:6390/2")
                .backendOptions(Map.of("shards", "3")).maxTasksPerRun(7).maxRetries(2).tasksPerTransaction(11)
                .executor(new io.sergeant.api.config.ExecutorConfig("process", 3, "thread", Map.of("jvmOptions", "-Xmx64m -Da=\"b c\"")))
                .encoder(new io.sergeant.api.config.EncoderConfig("pickle", "zlib", Map.of("level", "9")))
                .timeouts(new io.sergeant.api.config.Timeouts(Duration.ofMillis(1500), Duration.ofNanos(123_456_789)))
                .starvation(new io.sergeant.api.config.Starvation(4))
                .delivery(new io.sergeant.api.config.DeliveryConfig(DeliveryMode.AT_MOST_ONCE, Duration.ofMinutes(2), 9,
                        Duration.ofMillis(700), true))
                .logging(new io.sergeant.api.config.LoggingConfig(new io.sergeant.api.config.LoggingEvents(
                        true, false, true, false, true, false, true, false), false))
                .limits(new io.sergeant.api.config.DecodeLimits(1000, 2000, 10, 20, 30, 4000, Duration.ofMillis(250)))
                .pollInterval(Duration.ofMillis(20)).build();
    }

    @Test
    @DisplayName("toProperties describes a configuration completely: applied on the defaults it gives the same configuration")
    void propertiesOfAConfigurationRebuildItExactly() {
        WorkerConfig config = everythingSet();

        Map<String, String> properties = WorkerConfigProperties.toProperties(config);

        assertThat(WorkerConfigProperties.apply(WorkerConfig.builder("another").build(), properties)).isEqualTo(config);
        assertThat(WorkerConfigProperties.apply(base, WorkerConfigProperties.toProperties(base))).isEqualTo(base);
        assertThat(properties.keySet()).as("one property per key, plus the plugin options")
                .containsAll(WorkerConfigProperties.keyNames())
                .contains("backend.option.shards", "executor.option.jvmOptions", "encoder.option.level");
    }

    @Test
    @DisplayName("logging.events takes event names separated by commas or none, and refuses an unknown name")
    void loggingEventsAreAKey() {
        assertThat(WorkerConfigProperties.apply(base, Map.of("logging.events", "onSuccess, onStop")).logging().events())
                .isEqualTo(new io.sergeant.api.config.LoggingEvents(true, false, false, false, false, false, false, true));
        assertThat(WorkerConfigProperties.apply(base, Map.of("logging.events", "none")).logging().events())
                .isEqualTo(io.sergeant.api.config.LoggingEvents.NONE);
        assertThatThrownBy(() -> WorkerConfigProperties.apply(base, Map.of("logging.events", "onSucess")))
                .isInstanceOf(SergeantException.class).hasMessageContaining("'onSucess' is none of them");
    }

    @Test
    @DisplayName("a killer given with a new executor kind is kept; a kind given alone brings its own killer")
    void aKillerGivenWithTheKindIsKept() {
        assertThat(WorkerConfigProperties.apply(base, Map.of("executor.kind", "process", "executor.killer", "thread"))
                .executor().killer()).isEqualTo("thread");
        assertThat(WorkerConfigProperties.apply(base, Map.of("executor.kind", "process")).executor().killer())
                .isEqualTo("process");
    }
}
