package com.example.sergeant.tinybackend;

import io.sergeant.spi.PluginContext;
import io.sergeant.spi.backend.Backend;
import io.sergeant.spi.backend.BackendRole;
import io.sergeant.spi.backend.BackendSpec;
import io.sergeant.testkit.backend.BackendCompatibilitySuite;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.EnumSet;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The tiny backend against the testkit's compatibility suite: the queue and key roles' scenarios run,
 * the other roles' are skipped because {@link #expectedRoles()} says the backend does not play them
 * (and the suite fails if it played more or fewer). It overrides none of the SPI's performance hints.
 */
class TinyBackendCompatibilityTest extends BackendCompatibilitySuite {

    @Override
    protected Backend newBackend() {
        return new TinyBackendFactory().create(new BackendSpec("tiny:compatibility", Map.of()), PluginContext.defaults());
    }

    @Override
    protected Set<BackendRole> expectedRoles() {
        return EnumSet.of(BackendRole.QUEUE, BackendRole.KEYS);
    }

    @Test
    @DisplayName("a backend that does not answer the split-pop hint keeps whole batches (the default, false)")
    void theSplitPopHintDefaultsToWholeBatches() {
        try (Backend backend = newBackend()) {
            assertThat(backend.popsSplitCheaply()).isFalse();
        }
    }
}
