package io.sergeant.core.internal.broker;

import io.sergeant.api.ErrorCode;
import io.sergeant.api.Priority;
import io.sergeant.api.QueueStats;
import io.sergeant.api.SergeantException;
import io.sergeant.core.internal.QueueOnlyBackend;
import io.sergeant.core.internal.plugin.PluginRegistry;
import io.sergeant.spi.PluginContext;
import io.sergeant.spi.backend.Backend;
import io.sergeant.spi.backend.BackendRole;
import io.sergeant.spi.backend.BackendSpec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Core finds a backend's roles, and a missing role fails with a message that names it and says what to do. */
class BackendRolesTest {

    @TempDir
    Path dir;

    private Backend local;

    @BeforeEach
    void open() {
        BackendSpec spec = new BackendSpec("sqlite:" + dir.resolve("roles.db"), Map.of());
        local = PluginRegistry.discover().backends().forScheme("sqlite").create(spec, PluginContext.defaults());
    }

    @AfterEach
    void close() {
        local.close();
    }

    @Test
    void theLocalBackendPlaysEveryRoleItImplements() {
        assertThat(local.roles()).containsAll(EnumSet.of(BackendRole.QUEUE, BackendRole.LEASES,
                BackendRole.DEAD_LETTERS, BackendRole.KEYS, BackendRole.LOCKS));
        assertThat(BackendRoles.leases(local, "a test")).isSameAs(local.leaseRole().orElseThrow());
    }

    @Test
    void aQueueOnlyBackendPlaysTheQueueRoleAndGetsGenericStats() {
        Backend queueOnly = new QueueOnlyBackend(local);
        assertThat(queueOnly.roles()).containsExactly(BackendRole.QUEUE);
        queueOnly.push("q", List.of(bytes("now"), bytes("now2")), Priority.NORMAL, null);
        queueOnly.push("q", List.of(bytes("later")), Priority.NORMAL, Instant.now().plusSeconds(3600));
        assertThat(queueOnly.stats("q")).isEqualTo(new QueueStats(2, 1, 0, 0));
    }

    @Test
    void aMissingRoleNamesTheRoleTheBackendAndTheRemedy() {
        Backend queueOnly = new QueueOnlyBackend(local);
        assertThatThrownBy(() -> BackendRoles.leases(queueOnly, "worker 'mail' with delivery mode at-least-once"))
                .isInstanceOfSatisfying(SergeantException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.BACKEND_ROLE_MISSING))
                .hasMessageContaining("worker 'mail' with delivery mode at-least-once needs the lease role")
                .hasMessageContaining("io.sergeant.spi.backend.BackendLeases")
                .hasMessageContaining("QueueOnlyBackend[")
                .hasMessageContaining("its roles: [QUEUE]")
                .hasMessageContaining("delivery.mode=at-most-once");
        assertThatThrownBy(() -> BackendRoles.locks(queueOnly, "Broker.lock"))
                .hasMessageContaining("Broker.lock needs the lock role");
        assertThatThrownBy(() -> new DefaultBroker(queueOnly, encoder()).lock("x"))
                .hasMessageContaining("needs the lock role");
    }

    private static io.sergeant.core.internal.encoding.TaskEncoder encoder() {
        return io.sergeant.core.internal.encoding.TaskEncoder.create(io.sergeant.api.config.EncoderConfig.DEFAULT,
                PluginRegistry.discover(), PluginContext.defaults());
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
