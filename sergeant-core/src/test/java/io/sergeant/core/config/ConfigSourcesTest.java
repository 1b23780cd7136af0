package io.sergeant.core.config;

import io.sergeant.api.SergeantException;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ConfigSourcesTest {

    @Test
    void everyKeyHasAnEnvironmentVariableInUpperSnakeCase() {
        assertThat(ConfigSources.environmentName("backend")).isEqualTo("SERGEANT_BACKEND");
        assertThat(ConfigSources.environmentName("delivery.maxDeliveries")).isEqualTo("SERGEANT_DELIVERY_MAX_DELIVERIES");
        assertThat(ConfigSources.environmentName("encoder.serializer")).isEqualTo("SERGEANT_ENCODER_SERIALIZER");
        assertThat(WorkerConfigProperties.KEYS.keySet()).allSatisfy(key ->
                assertThat(ConfigSources.fromEnvironment(Map.of(ConfigSources.environmentName(key), "v"))).containsOnlyKeys(key));
    }

    @Test
    void pluginOptionsAndUnrelatedVariables() {
        assertThat(ConfigSources.fromEnvironment(Map.of(
                "SERGEANT_ENCODER_OPTION_LZMA__MEMORY_LIMIT", "1M",
                "SERGEANT_BACKEND_OPTION_BUSY_TIMEOUT", "5s",
                "SERGEANT_CLASSPATH", "/x.jar",
                "PATH", "/bin")))
                .containsOnly(Map.entry("encoder.option.lzma.memoryLimit", "1M"), Map.entry("backend.option.busyTimeout", "5s"));
    }

    @Test
    void theCommandLineWinsOverTheEnvironmentWhichWinsOverTheFile() {
        assertThat(ConfigSources.layered(Map.of("a", "file", "b", "file", "c", "file"), Map.of("b", "env", "c", "env"),
                Map.of("c", "cli"))).containsOnly(Map.entry("a", "file"), Map.entry("b", "env"), Map.entry("c", "cli"));
    }

    @Test
    void aMissingFileIsExplained() {
        assertThatThrownBy(() -> ConfigSources.readFile(java.nio.file.Path.of("/nonexistent/sergeant.properties")))
                .isInstanceOf(SergeantException.class).hasMessageContaining("does not exist").hasMessageContaining("-D key=value");
    }
}
