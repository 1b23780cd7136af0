package io.sergeant.core.internal.runtime;

import io.sergeant.api.Priority;
import io.sergeant.api.config.DecodeLimits;
import io.sergeant.core.Sergeant;
import io.sergeant.core.internal.observe.ListenerChain;
import io.sergeant.spi.PluginContext;
import io.sergeant.spi.backend.Backend;
import io.sergeant.spi.backend.BackendLeases;
import io.sergeant.spi.backend.BackendSpec;
import io.sergeant.spi.backend.Delivery;
import io.sergeant.spi.backend.DeliveryOptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Issue 13 §1: the lease keeper never extends the lease of a task whose decode passed its deadline. */
class LeaseKeeperTest {

    private static final String QUEUE = "leases";
    private static final Duration LEASE = Duration.ofMillis(600);

    @TempDir
    Path dir;

    @Test
    void aReceiptDecodingPastItsDeadlineIsNotExtendedAndComesBackWhileAHeldOneStaysLeased() throws Exception {
        Sergeant sergeant = Sergeant.create();
        try (Backend backend = sergeant.registry().backends().forScheme("sqlite")
                .create(new BackendSpec("sqlite:" + dir.resolve("q.db"), Map.of()),
                        new PluginContext(DecodeLimits.DEFAULT, java.time.Clock.systemUTC(), getClass().getClassLoader()))) {
            backend.push(QUEUE, List.of(new byte[] {1}, new byte[] {2}), Priority.NORMAL, null);
            List<Delivery> popped = backend.pop(QUEUE, 2, DeliveryOptions.leased(LEASE, 5));
            assertThat(popped).hasSize(2);
            BackendLeases leases = backend.leaseRole().orElseThrow();
            Delivery decodedInTime = popped.get(0);
            Delivery stuckInDecode = popped.get(1);
            try (LeaseKeeper keeper = new LeaseKeeper(leases, QUEUE, LEASE, Duration.ofSeconds(60), 5, ListenerChain.EMPTY)) {
                keeper.hold(List.of(decodedInTime.receipt(), stuckInDecode.receipt()));
                keeper.decoding(decodedInTime.receipt(), System.nanoTime() + Duration.ofMinutes(1).toNanos());
                keeper.decoding(stuckInDecode.receipt(), System.nanoTime() - 1);

                assertThat(keeper.extendable()).containsExactly(decodedInTime.receipt());
                Thread.sleep(LEASE.toMillis() * 3);
                leases.reap(QUEUE, 5);
                List<Delivery> again = backend.pop(QUEUE, 2, DeliveryOptions.leased(LEASE, 5));
                assertThat(again).extracting(d -> d.payload()[0]).containsExactly((byte) 2);

                keeper.decoded(decodedInTime.receipt());
                assertThat(keeper.extendable()).containsExactly(decodedInTime.receipt());
            }
        }
    }
}
