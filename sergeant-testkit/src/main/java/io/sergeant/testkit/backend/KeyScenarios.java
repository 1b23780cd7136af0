package io.sergeant.testkit.backend;

import io.sergeant.spi.backend.BackendRole;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The key role ({@link io.sergeant.spi.backend.BackendKeys}).
 *
 * <p>Run as a {@code @Nested} class of {@link BackendCompatibilitySuite}; see {@link RoleScenarios}.
 */
abstract class KeyScenarios extends RoleScenarios {

    KeyScenarios(BackendCompatibilitySuite suite) {
        super(suite);
    }

    @BeforeEach
    void requireTheRole() {
        assumeRoles(BackendRole.KEYS);
    }

    @Test
    @DisplayName("keySet returns true only for a new key, overwrites, and keyGet/keyDelete see it")
    void keysSetGetDelete() {
        String key = name("key");
        assertThat(keys.keyGet(key)).isEmpty();
        assertThat(keys.keyDelete(key)).isFalse();

        assertThat(keys.keySet(key, bytes("one"))).as("first set of a new key").isTrue();
        assertThat(keys.keyGet(key)).map(RoleScenarios::text).contains("one");

        assertThat(keys.keySet(key, bytes("two"))).as("overwrite of an existing key").isFalse();
        assertThat(keys.keyGet(key)).map(RoleScenarios::text).contains("two");

        assertThat(keys.keyDelete(key)).isTrue();
        assertThat(keys.keyGet(key)).isEmpty();
        assertThat(keys.keyDelete(key)).isFalse();
        assertThat(keys.keySet(key, bytes("three"))).as("set after delete is new again").isTrue();
        assertThat(keys.keyDelete(key)).isTrue();
    }

    @Test
    @DisplayName("keys are independent of each other and keep binary values byte for byte")
    void keysAreIndependentAndBinarySafe() {
        String a = name("key-a");
        String b = name("key-b");
        byte[] all = new byte[256];
        for (int i = 0; i < all.length; i++) {
            all[i] = (byte) i;
        }
        assertThat(keys.keySet(a, all)).isTrue();
        assertThat(keys.keySet(b, bytes("b"))).isTrue();
        assertThat(keys.keyGet(a)).hasValueSatisfying(v -> assertThat(v).isEqualTo(all));
        assertThat(keys.keyDelete(b)).isTrue();
        assertThat(keys.keyGet(a)).isPresent();
        assertThat(keys.keyDelete(a)).isTrue();
    }
}
