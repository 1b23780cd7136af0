package io.sergeant.test.memory;

import io.sergeant.api.ErrorCode;
import io.sergeant.api.Priority;
import io.sergeant.api.SergeantException;
import io.sergeant.spi.PluginContext;
import io.sergeant.spi.backend.Backend;
import io.sergeant.spi.backend.BackendSpec;
import io.sergeant.spi.backend.DeliveryOptions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** What the memory plugin adds to the contract: its URI, its options, and one store per name. */
class MemoryBackendFactoryTest {

    private final MemoryBackendFactory factory = new MemoryBackendFactory();

    @AfterEach
    void dropStores() {
        MemoryStores.drop("factory-a");
        MemoryStores.drop("factory-b");
    }

    private Backend open(String uri) {
        return factory.create(new BackendSpec(uri, Map.of()), PluginContext.defaults());
    }

    @Test
    void backendsOnTheSameNameShareOneStoreAndOtherNamesAreSeparate() {
        try (Backend producer = open("memory:factory-a"); Backend consumer = open("MEMORY:factory-a");
             Backend other = open("memory:factory-b")) {
            producer.push("q", List.of("hello".getBytes(StandardCharsets.UTF_8)), Priority.NORMAL, null);
            producer.keyRole().orElseThrow().keySet("k", new byte[] {1});

            assertThat(other.length("q", true)).isZero();
            assertThat(other.keyRole().orElseThrow().keyGet("k")).isEmpty();
            assertThat(consumer.keyRole().orElseThrow().keyGet("k")).hasValueSatisfying(value -> assertThat(value).containsExactly(1));
            assertThat(consumer.pop("q", 10, DeliveryOptions.AT_MOST_ONCE))
                    .extracting(delivery -> new String(delivery.payload(), StandardCharsets.UTF_8)).containsExactly("hello");
        }
    }

    @Test
    void theStoreOutlivesItsBackendsUntilDropped() {
        try (Backend first = open("memory:factory-a")) {
            first.push("q", List.of(new byte[] {7}), Priority.HIGH, null);
        }
        try (Backend second = open("memory:factory-a")) {
            assertThat(second.length("q", false)).isEqualTo(1);
        }
        assertThat(MemoryStores.names()).contains("factory-a");
        assertThat(MemoryStores.drop("factory-a")).isTrue();
        try (Backend fresh = open("memory:factory-a")) {
            assertThat(fresh.length("q", true)).isZero();
        }
    }

    @Test
    void aClosedBackendRefusesWorkButItsStoreKeepsTheData() {
        Backend backend = open("memory:factory-a");
        backend.keyRole().orElseThrow().keySet("k", new byte[] {1});
        backend.close();

        assertThatThrownBy(() -> backend.keyRole().orElseThrow().keyGet("k")).isInstanceOfSatisfying(SergeantException.class,
                e -> assertThat(e.code()).isEqualTo(ErrorCode.ILLEGAL_ACTION));
        try (Backend again = open("memory:factory-a")) {
            assertThat(again.keyRole().orElseThrow().keyGet("k")).isPresent();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"memory:", "memory://demo", "memory:a,memory:b", "memory:has space", "redis://localhost"})
    void aUriThatIsNotMemoryNameIsAConfigurationErrorSayingWhatToWrite(String uri) {
        assertThatThrownBy(() -> open(uri)).isInstanceOfSatisfying(SergeantException.class, e -> {
            assertThat(e.code()).isEqualTo(ErrorCode.INVALID_CONFIGURATION);
            assertThat(e.getMessage()).contains(uri).contains("memory:NAME");
        });
    }

    @Test
    void anyOptionIsRejectedByName() {
        assertThatThrownBy(() -> factory.create(new BackendSpec("memory:factory-a", Map.of("size", "10")),
                PluginContext.defaults())).isInstanceOfSatisfying(SergeantException.class, e -> {
                    assertThat(e.code()).isEqualTo(ErrorCode.INVALID_CONFIGURATION);
                    assertThat(e.getMessage()).contains("size");
                });
    }

    @Test
    void theAnnotationAgreesWithTheFactorySoCoreCanIndexItWithoutInstantiatingIt() {
        io.sergeant.spi.SergeantPlugin plugin = MemoryBackendFactory.class.getAnnotation(io.sergeant.spi.SergeantPlugin.class);
        assertThat(plugin.name()).isEqualTo(factory.name());
        assertThat(plugin.schemes()).containsExactlyInAnyOrderElementsOf(factory.schemes());
    }
}
