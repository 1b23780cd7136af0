package io.sergeant.core.internal.config;

import io.sergeant.api.ErrorCode;
import io.sergeant.api.SergeantException;
import io.sergeant.api.config.DeliveryConfig;
import io.sergeant.api.config.ExecutorConfig;
import io.sergeant.api.config.EncoderConfig;
import io.sergeant.api.config.WorkerConfig;
import io.sergeant.core.internal.plugin.PluginRegistry;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ConfigValidatorTest {

    private final ConfigValidator validator = new ConfigValidator(PluginRegistry.discover());

    @Test
    void theDefaultConfigurationIsValid() {
        WorkerConfig config = WorkerConfig.builder("queue").build();
        assertThat(validator.problems(config)).isEmpty();
    }

    @Test
    void everyProblemIsReportedAtOnceWithItsKeyAndSecretsMasked() {
        WorkerConfig config = WorkerConfig.builder(" ")
                .backend("reddis://user:hunter2@localhost:6379/0")
                .tasksPerTransaction(0)
                .maxRetries(-1)
                .executor(new ExecutorConfig("fiber", 0, null, Map.of()))
                .encoder(EncoderConfig.of("jsn", "zip"))
                .delivery(new DeliveryConfig(DeliveryConfig.DEFAULT.mode(), Duration.ZERO, 0, Duration.ofSeconds(1)))
                .build();

        assertThatThrownBy(() -> validator.validate(config))
                .isInstanceOfSatisfying(SergeantException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_CONFIGURATION))
                .hasMessageContaining("name:")
                .hasMessageContaining("backend: no installed backend serves 'reddis://***@localhost:6379/0'")
                .hasMessageContaining("known schemes: ").hasMessageContaining("sqlite")
                .hasMessageContaining("tasksPerTransaction: 0")
                .hasMessageContaining("maxRetries: -1")
                .hasMessageContaining("executor.kind: unknown 'fiber'; known: ")
                .hasMessageContaining("executor.concurrency: 0")
                .hasMessageContaining("encoder.serializer: unknown 'jsn'")
                .hasMessageContaining("encoder.compressor: unknown 'zip'")
                .hasMessageContaining("delivery.lease")
                .hasMessageContaining("delivery.maxDeliveries: 0")
                .hasMessageNotContaining("hunter2");
    }

    @Test
    void anEncoderOptionForNoConfiguredPluginIsRefusedWithADidYouMean() {
        WorkerConfig misspelled = WorkerConfig.builder("q")
                .encoder(new EncoderConfig("msgpack", "zlib", Map.of("zlb.level", "9"))).build();
        WorkerConfig otherCompressor = WorkerConfig.builder("q")
                .encoder(new EncoderConfig("msgpack", "gzip", Map.of("zlib.level", "99"))).build();
        WorkerConfig own = WorkerConfig.builder("q")
                .encoder(new EncoderConfig("msgpack", "zlib", Map.of("zlib.level", "9"))).build();

        assertThat(validator.problems(misspelled)).singleElement().asString()
                .startsWith("encoder.option.zlb.level: belongs to no configured encoder plugin (did you mean 'zlib.level'?)");
        assertThat(validator.problems(otherCompressor)).singleElement().asString()
                .startsWith("encoder.option.zlib.level: belongs to no configured encoder plugin;")
                .contains("the compressor 'gzip'");
        assertThat(validator.problems(own)).isEmpty();
    }

    @Test
    void noneIsAlwaysAValidCompressor() {
        WorkerConfig config = WorkerConfig.builder("q").encoder(EncoderConfig.of("msgpack", "none")).build();
        assertThat(validator.problems(config)).isEmpty();
    }
}
