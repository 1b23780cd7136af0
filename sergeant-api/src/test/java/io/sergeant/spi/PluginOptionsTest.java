package io.sergeant.spi;

import io.sergeant.api.ErrorCode;
import io.sergeant.api.SergeantException;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class PluginOptionsTest {

    @Test
    @DisplayName("an unknown key is refused, naming it, the closest known key and every known key")
    void unknownKeyWithSuggestion() {
        PluginOptions options = new PluginOptions("backend 'redis'", Map.of("poolSzie", "4"));

        assertThatThrownBy(() -> options.requireOnly(Set.of("poolSize", "timeout")))
                .isInstanceOfSatisfying(SergeantException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_CONFIGURATION))
                .hasMessage("unknown option 'poolSzie' (did you mean 'poolSize'?) for backend 'redis'; known: poolSize, timeout");
    }

    @Test
    @DisplayName("a key far from every known one gets no suggestion; several unknown keys are all listed")
    void noSuggestionWhenFar() {
        PluginOptions options = new PluginOptions("executor 'thread'", Map.of("children", "2", "threadNamePrefx", "w"));

        assertThatThrownBy(() -> options.requireOnly(List.of("threadNamePrefix")))
                .hasMessage("unknown options 'children', 'threadNamePrefx' (did you mean 'threadNamePrefix'?)"
                        + " for executor 'thread'; known: threadNamePrefix");
    }

    @Test
    @DisplayName("a plugin without options says so; known keys pass")
    void noOptionsAndKnownKeys() {
        assertThatThrownBy(() -> new PluginOptions("backend 'memory'", Map.of("x", "1")).requireOnly(Set.of()))
                .hasMessageEndingWith("; known: none");
        PluginOptions options = new PluginOptions("compressor 'zlib'", Map.of("zlib.level", "9"));
        assertThat(options.requireOnly(Set.of("zlib.level"))).isSameAs(options);
    }

    @Test
    @DisplayName("closest ignores case and suggests only likely misspellings")
    void closest() {
        assertThat(PluginOptions.closest("ZLIB.LEVEL", List.of("zlib.level", "gzip.level"))).contains("zlib.level");
        assertThat(PluginOptions.closest("zlb", List.of("zlib", "gzip"))).contains("zlib");
        assertThat(PluginOptions.closest("memory", List.of("zlib", "gzip"))).isEmpty();
        assertThat(PluginOptions.closest("a", List.of())).isEmpty();
    }

    @Test
    @DisplayName("typed values are parsed, defaulted and refused with the key when malformed")
    void typedValues() {
        PluginOptions options = new PluginOptions("backend 'local'",
                Map.of("busyTimeout", "2s", "poolSize", "4", "maxBytes", "16M", "wal", "true"));

        assertThat(options.duration("busyTimeout", Duration.ZERO)).isEqualTo(Duration.ofSeconds(2));
        assertThat(options.integer("poolSize", 1)).isEqualTo(4);
        assertThat(options.size("maxBytes", 0)).isEqualTo(16L * 1024 * 1024);
        assertThat(options.bool("wal", false)).isTrue();
        assertThat(options.integer("missing", 7)).isEqualTo(7);
        assertThatThrownBy(() -> new PluginOptions("backend 'local'", Map.of("poolSize", "four")).integer("poolSize", 1))
                .isInstanceOf(SergeantException.class).hasMessageContaining("poolSize");
    }

    @Test
    @DisplayName("a bounded integer or size is refused out of range, quoting the value given and saying the range")
    void boundedValues() {
        PluginOptions options = new PluginOptions("backend 'x'", Map.of("connections", "65", "maxPayloadSize", "3G",
                "maxDeadLetters", "0"));

        assertThatThrownBy(() -> options.integer("connections", 8, 1, 64, "1 to 64"))
                .isInstanceOf(SergeantException.class)
                .hasMessage("option 'connections' of backend 'x' is '65'; expected 1 to 64");
        assertThatThrownBy(() -> options.size("maxPayloadSize", 1, 1, Integer.MAX_VALUE, "1 byte to 2G"))
                .hasMessage("option 'maxPayloadSize' of backend 'x' is '3G'; expected 1 byte to 2G");
        assertThat(options.integer("maxDeadLetters", 10, 0, Integer.MAX_VALUE, "0 (no cap) or more")).isZero();
        assertThat(options.integer("missing", 8, 1, 64, "1 to 64")).isEqualTo(8);
        assertThatThrownBy(() -> options.integer("missing", 0, 1, 64, "1 to 64"))
                .hasMessage("option 'missing' of backend 'x' is '0'; expected 1 to 64");
    }
}
