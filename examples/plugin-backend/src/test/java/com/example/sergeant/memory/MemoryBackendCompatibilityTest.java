package com.example.sergeant.memory;

import io.sergeant.spi.PluginContext;
import io.sergeant.spi.backend.Backend;
import io.sergeant.spi.backend.BackendSpec;
import io.sergeant.testkit.backend.BackendCompatibilitySuite;

import java.util.Map;

/** The memory backend passes the Sergeant backend contract, in both delivery modes. */
class MemoryBackendCompatibilityTest extends BackendCompatibilitySuite {

    @Override
    protected Backend newBackend() {
        return new MemoryBackendFactory().create(new BackendSpec("memory:compatibility", Map.of()), PluginContext.defaults());
    }
}
