package io.sergeant.core.config;

import io.sergeant.api.SergeantException;
import io.sergeant.api.config.DeliveryMode;
import io.sergeant.api.config.WorkerConfig;
import io.sergeant.spi.PluginOptions;
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
}
