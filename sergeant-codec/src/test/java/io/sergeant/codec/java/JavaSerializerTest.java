package io.sergeant.codec.java;

import io.sergeant.testkit.codec.TestDecodeLimits;
import io.sergeant.api.ErrorCode;
import io.sergeant.api.SergeantException;
import io.sergeant.api.Task;
import io.sergeant.api.config.DecodeLimits;
import io.sergeant.codec.Contexts;
import io.sergeant.spi.codec.Serializer;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.Serial;
import java.io.Serializable;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

class JavaSerializerTest {

    /** A class whose readObject must never run when it is not allowed. */
    static final class Exploding implements Serializable {
        @Serial
        private static final long serialVersionUID = 1L;

        @Serial
        private void readObject(ObjectInputStream in) throws IOException, ClassNotFoundException {
            in.defaultReadObject();
            throw new IllegalStateException("readObject ran");
        }
    }

    /** A plain user value. */
    record Order(String id, long amount) implements Serializable {
    }

    private static Serializer create(String allow) {
        return new JavaSerializerFactory().create(Contexts.options(Map.of("java.allow", allow)), Contexts.utc(TestDecodeLimits.DEFAULT));
    }

    private static SergeantException error(Runnable action) {
        try {
            action.run();
        } catch (SergeantException e) {
            return e;
        }
        throw new AssertionError("expected a SergeantException");
    }

    @Test
    @DisplayName("the serializer cannot be built without java.allow, and says how to set it")
    void requiresAllowList() {
        SergeantException e = error(() -> new JavaSerializerFactory().create(Contexts.none(), Contexts.utc(TestDecodeLimits.DEFAULT)));
        assertThat(e.code()).isEqualTo(ErrorCode.INVALID_CONFIGURATION);
        assertThat(e.getMessage()).contains("java.allow=");
        assertThat(error(() -> create("com.acme.*.Bad")).code()).isEqualTo(ErrorCode.INVALID_CONFIGURATION);
        assertThat(error(() -> new JavaSerializerFactory().create(Contexts.options(Map.of("java.allow", "", "java.other", "x")),
                Contexts.utc(TestDecodeLimits.DEFAULT))).getMessage()).contains("java.other");
    }

    @Test
    @DisplayName("a class outside the allow-list is refused before its readObject runs")
    void refusesBeforeReadObject() {
        byte[] payload = create(Exploding.class.getName()).serializeValue(new Exploding());
        SergeantException refused = error(() -> create("").deserializeValue(payload));
        assertThat(refused.code()).isEqualTo(ErrorCode.CLASS_NOT_ALLOWED);
        assertThat(refused.getMessage()).contains(Exploding.class.getName()).contains("java.allow");
        assertThat(refused).rootCause().hasMessageNotContaining("readObject ran");
        SergeantException ran = error(() -> create(Exploding.class.getName()).deserializeValue(payload));
        assertThat(ran).rootCause().hasMessageContaining("readObject ran");
    }

    @Test
    @DisplayName("exact names, packages and package trees allow user classes; values keep their Java types")
    void allowPatterns() {
        Task task = new Task(Map.of("order", new Order("o-1", 5), "n", 7, "u", UUID.randomUUID(), "d", LocalDate.of(2024, 1, 2),
                "l", List.of(1, 2)), "t", 1.5, 0);
        for (String allow : List.of(Order.class.getName(), "io.sergeant.codec.java.*", "io.sergeant.**")) {
            Serializer serializer = create(allow);
            assertThat(serializer.deserializeTask(serializer.serializeTask(task))).isEqualTo(task);
        }
        byte[] payload = create("io.sergeant.**").serializeTask(task);
        assertThat(error(() -> create("io.sergeant.codec.*").deserializeTask(payload)).code()).isEqualTo(ErrorCode.CLASS_NOT_ALLOWED);
    }

    @Test
    @DisplayName("writing a value the allow-list would refuse fails at encode time naming the key")
    void refusesUnlistedValuesAtEncode() {
        SergeantException e = error(() -> create("").serializeTask(Task.of(Map.of("order", new Order("o", 1)))));
        assertThat(e.code()).isEqualTo(ErrorCode.UNSUPPORTED_VALUE);
        assertThat(e.getMessage()).contains("kwargs.order").contains(Order.class.getName()).contains("java.allow");
    }
}
