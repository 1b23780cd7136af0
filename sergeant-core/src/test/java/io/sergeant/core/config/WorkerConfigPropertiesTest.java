package io.sergeant.core.config;

import io.sergeant.api.SergeantException;
import io.sergeant.api.config.DeliveryMode;
import io.sergeant.api.config.WorkerConfig;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Map;

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
    void everyDocumentedKeyIsAccepted() {
        assertThat(WorkerConfigProperties.keyNames()).contains("name", "backend", "delivery.maxDeliveries", "limits.maxDepth");
    }
}
