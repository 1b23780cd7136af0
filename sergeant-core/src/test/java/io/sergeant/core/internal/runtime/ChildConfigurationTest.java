package io.sergeant.core.internal.runtime;

import io.sergeant.api.config.DeliveryMode;
import io.sergeant.api.config.WorkerConfig;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class ChildConfigurationTest {

    @Test
    @DisplayName("a child reads back exactly the configuration its parent handed over, whatever it inherited besides")
    void aChildReadsBackTheParentsConfiguration() {
        WorkerConfig parent = WorkerConfig.builder("renamed").backend("sqlite:/tmp/effective.sqlite3").maxRetries(1)
                .encoder("pickle", "zlib").delivery(DeliveryMode.AT_MOST_ONCE).timeout(Duration.ofSeconds(3))
                .executor("process", 2).build();
        Map<String, String> childProperties = new HashMap<>(ChildConfiguration.systemProperties(parent));
        childProperties.put("sergeant.config.maxRetries", "5");
        childProperties.put("java.version", "21");

        assertThat(ChildConfiguration.systemProperties(parent)).allSatisfy((name, value) ->
                assertThat(name).startsWith(ChildConfiguration.PREFIX));
        assertThat(ChildConfiguration.read(childProperties)).contains(parent);
    }

    @Test
    @DisplayName("without a handed-over configuration a child reads none")
    void nothingHandedOverReadsNothing() {
        assertThat(ChildConfiguration.read(Map.of("sergeant.config.maxRetries", "5"))).isEmpty();
    }
}
