package com.example.sergeant.memory;

import io.sergeant.spi.PluginContext;
import io.sergeant.spi.backend.Backend;
import io.sergeant.spi.backend.BackendRole;
import io.sergeant.spi.backend.BackendSpec;
import io.sergeant.testkit.backend.BackendCompatibilitySuite;

import java.util.EnumSet;
import java.util.Map;
import java.util.Set;

/** The memory backend passes the Sergeant backend contract for the roles it plays. */
class MemoryBackendCompatibilityTest extends BackendCompatibilitySuite {

    /** The roles this plugin plays: the queue, keys and locks; the suite skips the tests of the others. */
    @Override
    protected Set<BackendRole> expectedRoles() {
        return EnumSet.of(BackendRole.QUEUE, BackendRole.KEYS, BackendRole.LOCKS);
    }

    @Override
    protected Backend newBackend() {
        return new MemoryBackendFactory().create(new BackendSpec("memory:compatibility", Map.of()), PluginContext.defaults());
    }
}
