package io.sergeant.test.memory;

import io.sergeant.spi.PluginContext;
import io.sergeant.spi.backend.Backend;
import io.sergeant.spi.backend.BackendRole;
import io.sergeant.spi.backend.BackendSpec;
import io.sergeant.testkit.backend.BackendCompatibilitySuite;

import java.util.EnumSet;
import java.util.Map;
import java.util.Set;

/** The memory backend passes the Sergeant backend contract, in both delivery modes. */
class MemoryBackendCompatibilityTest extends BackendCompatibilitySuite {

    /** Every role but monitoring (the worker registry), which this plugin does not play. */
    @Override
    protected Set<BackendRole> expectedRoles() {
        return EnumSet.complementOf(EnumSet.of(BackendRole.MONITORING));
    }

    @Override
    protected Backend newBackend() {
        return new MemoryBackendFactory().create(new BackendSpec("memory:compatibility", Map.of()), PluginContext.defaults());
    }
}
