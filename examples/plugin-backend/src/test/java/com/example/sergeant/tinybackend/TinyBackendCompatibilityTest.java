package com.example.sergeant.tinybackend;

import io.sergeant.spi.PluginContext;
import io.sergeant.spi.backend.Backend;
import io.sergeant.spi.backend.BackendRole;
import io.sergeant.spi.backend.BackendSpec;
import io.sergeant.testkit.backend.BackendCompatibilitySuite;

import java.util.EnumSet;
import java.util.Map;
import java.util.Set;

/**
 * The tiny backend against the testkit's compatibility suite: the queue and key roles' scenarios run,
 * the other roles' are skipped because {@link #expectedRoles()} says the backend does not play them
 * (and the suite fails if it played more or fewer).
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
}
