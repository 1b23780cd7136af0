package io.sergeant.executor.thread;

import io.sergeant.api.ErrorCode;
import io.sergeant.api.SergeantException;
import io.sergeant.api.Task;
import io.sergeant.api.config.DecodeLimits;
import io.sergeant.testkit.execution.SimpleTaskCodec;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The testkit codec the executor suite puts in its context: it round-trips and fails cleanly. */
class SimpleTaskCodecTest {

    private final SimpleTaskCodec codec = new SimpleTaskCodec();

    @Test
    void aTaskRoundTripsWithEveryFieldAndKwargOrder() {
        Map<String, Object> kwargs = new LinkedHashMap<>();
        kwargs.put("z", "text é");
        kwargs.put("a", 7);
        kwargs.put("m", 7L << 40);
        kwargs.put("d", 1.5);
        kwargs.put("b", true);
        kwargs.put("n", null);
        Task task = new Task(kwargs, "trace-1", 1_700_000_000.25, 3);

        Task decoded = codec.decode(codec.encode(task));

        assertThat(decoded).isEqualTo(task);
        assertThat(decoded.kwargs().keySet()).containsExactly("z", "a", "m", "d", "b", "n");
        assertThat(codec.decode(codec.encode(Task.of(Map.of())))).extracting(Task::traceId).isNull();
    }

    @Test
    void aValueItCannotWriteIsUnsupported() {
        assertThatThrownBy(() -> codec.encode(Task.of(Map.of("items", List.of(1)))))
                .isInstanceOfSatisfying(SergeantException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.UNSUPPORTED_VALUE))
                .hasMessageContaining("items");
    }

    @Test
    void garbageTruncationAndOversizeAreTypedErrors() {
        byte[] encoded = codec.encode(Task.of(Map.of("key", "value")));

        assertThatThrownBy(() -> codec.decode(new byte[] {1, 2, 3, 4, 5}))
                .isInstanceOfSatisfying(SergeantException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.MALFORMED_PAYLOAD));
        assertThatThrownBy(() -> codec.decode(Arrays.copyOf(encoded, encoded.length - 2)))
                .isInstanceOfSatisfying(SergeantException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.MALFORMED_PAYLOAD));
        assertThatThrownBy(() -> new SimpleTaskCodec(new DecodeLimits(8, 8, 8, 8)).decode(encoded))
                .isInstanceOfSatisfying(SergeantException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.PAYLOAD_TOO_LARGE));
        assertThatThrownBy(() -> new SimpleTaskCodec(new DecodeLimits(1 << 20, 1 << 20, 8, 2)).decode(encoded))
                .isInstanceOfSatisfying(SergeantException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.COLLECTION_TOO_LARGE));
    }
}
