package io.sergeant.codec.java;

import io.sergeant.testkit.codec.TestDecodeLimits;
import io.sergeant.api.ErrorCode;
import io.sergeant.api.SergeantException;
import io.sergeant.api.Task;
import io.sergeant.api.config.DecodeLimits;
import io.sergeant.codec.Contexts;
import io.sergeant.spi.codec.Serializer;
import io.sergeant.testkit.codec.SerializerCompatibilitySuite;
import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

class JavaSerializerCompatibilityTest extends SerializerCompatibilitySuite {

    @Override
    protected Serializer createSerializer(DecodeLimits limits) {
        return new JavaSerializerFactory().create(Contexts.options(Map.of("java.allow", "")), Contexts.utc(limits));
    }

    /**
     * A corruption the randomized suite once found: the JDK's immutable-map serial form reports an odd
     * element count with {@code InternalError}; it must come out as a malformed payload.
     */
    @Test
    void aCorruptImmutableMapIsAMalformedPayloadNotAnInternalError() {
        Serializer serializer = createSerializer(TestDecodeLimits.of(1 << 20, 1 << 20, 64, 10_000));
        byte[] valid = serializer.serializeTask(new Task(referenceKwargs(), "trace", 1.0, 2));
        Random random = new Random(7524219552964L);
        byte[] corrupt = null;
        for (int round = 0; round <= 2004; round++) {
            corrupt = valid.clone();
            int flips = 1 + random.nextInt(4);
            for (int i = 0; i < flips; i++) {
                corrupt[random.nextInt(corrupt.length)] = (byte) random.nextInt(256);
            }
            if (round < 2004) {
                try {
                    serializer.deserializeValue(corrupt);
                } catch (SergeantException expected) {
                    // other rounds: any typed outcome
                }
            }
        }
        byte[] payload = corrupt;
        assertThatThrownBy(() -> serializer.deserializeValue(payload))
                .isInstanceOfSatisfying(SergeantException.class,
                        e -> org.assertj.core.api.Assertions.assertThat(e.code()).isEqualTo(ErrorCode.MALFORMED_PAYLOAD));
    }
}
