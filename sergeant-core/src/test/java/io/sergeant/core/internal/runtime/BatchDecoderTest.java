package io.sergeant.core.internal.runtime;

import io.sergeant.api.ErrorCode;
import io.sergeant.api.SergeantException;
import io.sergeant.api.Task;
import io.sergeant.spi.backend.Delivery;
import io.sergeant.spi.execution.TaskCodec;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The decode deadline of {@link BatchDecoder}: with no one watching (at-most-once), payloads share one clock reading
 * per {@link BatchDecoder#CLOCK_EVERY}, and a payload that missed a deadline counted from before its start gets a
 * second attempt with a whole one; with a watch (at-least-once leases), each payload has its own deadline from its
 * start. The codec here decodes every payload at once except {@code slow}, which takes longer than the deadline and
 * ignores it (as a plugin may), and {@code never}, which is always past its deadline.
 */
class BatchDecoderTest {

    private static final Duration DEADLINE = Duration.ofSeconds(1);

    @Test
    @DisplayName("unwatched: a payload behind a slow one is not refused for the time the slow one took: it is decoded"
            + " again from a fresh reading, with the whole deadline")
    void aPayloadBehindASlowOneGetsAWholeDeadline() {
        RecordingCodec codec = new RecordingCodec();
        List<DecodeResult> results = new BatchDecoder(codec, DEADLINE).decode(deliveries("slow", "a", "b"));

        assertThat(results).allMatch(DecodeResult.Decoded.class::isInstance);
        assertThat(codec.attempts("a")).as("a: refused from the shared reading, then decoded").hasSize(2);
        assertThat(codec.attempts("a").get(1)).isGreaterThan(codec.attempts("a").get(0));
        assertThat(codec.attempts("b")).as("b: decoded from a's fresh reading at once").hasSize(1);
        assertThat(codec.attempts("slow")).hasSize(1);
    }

    @Test
    @DisplayName("unwatched: a payload past every deadline is refused with DECODE_DEADLINE_EXCEEDED after at most two"
            + " attempts, and its neighbours are decoded")
    void aPayloadPastEveryDeadlineIsRefused() {
        RecordingCodec codec = new RecordingCodec();
        List<DecodeResult> results = new BatchDecoder(codec, DEADLINE).decode(deliveries("never", "a", "never", "b"));

        assertThat(results.get(0)).isInstanceOf(DecodeResult.Rejected.class);
        assertThat(((DecodeResult.Rejected) results.get(0)).error().code()).isEqualTo(ErrorCode.DECODE_DEADLINE_EXCEEDED);
        assertThat(results.get(2)).isInstanceOf(DecodeResult.Rejected.class);
        assertThat(results.get(1)).isInstanceOf(DecodeResult.Decoded.class);
        assertThat(results.get(3)).isInstanceOf(DecodeResult.Decoded.class);
        assertThat(codec.attempts("never")).as("first of its group: one attempt; later in it: two").hasSize(3);
    }

    @Test
    @DisplayName("unwatched: the clock is read once per group of CLOCK_EVERY payloads, each group's payloads sharing"
            + " its deadline")
    void theClockIsReadOncePerGroup() {
        RecordingCodec codec = new RecordingCodec();
        int count = 3 * BatchDecoder.CLOCK_EVERY + 5;
        List<DecodeResult> results = new BatchDecoder(codec, DEADLINE)
                .decode(deliveries(IntStream.range(0, count).mapToObj(i -> "t-" + i).toArray(String[]::new)));

        assertThat(results).hasSize(count).allMatch(DecodeResult.Decoded.class::isInstance);
        assertThat(codec.deadlines).hasSize(count);
        assertThat(codec.deadlines.stream().distinct().count()).as("one deadline per group").isEqualTo(4);
        assertThat(codec.deadlines.subList(0, BatchDecoder.CLOCK_EVERY)).containsOnly(codec.deadlines.get(0));
    }

    @Test
    @DisplayName("watched (leases kept): each payload has its own deadline from its start, which the watch learns")
    void aWatchedBatchReadsTheClockPerPayload() {
        RecordingCodec codec = new RecordingCodec();
        List<Long> started = Collections.synchronizedList(new ArrayList<>());
        BatchDecoder.Watch watch = new BatchDecoder.Watch() {
            @Override
            public void started(int index, long deadlineNanos) {
                started.add(deadlineNanos);
            }

            @Override
            public void finished(int index) {
            }
        };
        List<DecodeResult> results = new BatchDecoder(codec, DEADLINE).decode(deliveries("slow", "a"), watch);

        assertThat(results).allMatch(DecodeResult.Decoded.class::isInstance);
        assertThat(codec.attempts("a")).as("a's deadline counted from its own start: decoded at once").hasSize(1);
        assertThat(started).containsExactlyElementsOf(codec.deadlines);
    }

    @Test
    @DisplayName("unwatched: a batch of hostile payloads each using all of its deadline reads the clock at most"
            + " (n + n/CLOCK_EVERY + 1) times, so takes at most that many deadlines, and grants none more than two")
    void aBatchOfHostilePayloadsStaysWithinItsBound() {
        Duration deadline = Duration.ofMillis(40);
        int n = 2 * BatchDecoder.CLOCK_EVERY;
        // All hostile; hostile behind a strict cheap payload (which gets a fresh reading, so the next hostile
        // payload a whole first attempt); hostile at the end of each group behind lenient cheap ones.
        List<List<String>> batches = List.of(
                IntStream.range(0, n).mapToObj(i -> "spin").toList(),
                IntStream.range(0, n).mapToObj(i -> i % 2 == 0 ? "strict" : "spin").toList(),
                IntStream.range(0, n).mapToObj(i -> i % BatchDecoder.CLOCK_EVERY == 1 ? "spin" : "lenient").toList());
        int readings = n + n / BatchDecoder.CLOCK_EVERY + 1;
        for (List<String> batch : batches) {
            SpinningCodec codec = new SpinningCodec();
            List<DecodeResult> results = new BatchDecoder(codec, deadline).decode(deliveries(batch.toArray(String[]::new)));

            assertThat(results).hasSize(n);
            for (int i = 0; i < n; i++) {
                boolean hostile = batch.get(i).equals("spin");
                assertThat(results.get(i)).as("payload %d", i)
                        .isInstanceOf(hostile ? DecodeResult.Rejected.class : DecodeResult.Decoded.class);
            }
            assertThat(codec.attempts).as("attempts per payload").allMatch(attempts -> attempts <= 2);
            assertThat(codec.granted).as("time granted to spin (deadline minus the attempt's start), at most two"
                    + " deadlines per payload").allMatch(granted -> granted <= 2 * deadline.toNanos());
            // The bound in deadlines is a bound in clock readings: every attempt ends by the deadline of the reading
            // it was given (the codec spins to it), so each reading covers at most one deadline of time. Counting
            // readings (distinct deadlines handed out) checks the bound without a wall-clock figure that a busy
            // machine's descheduling would stretch.
            assertThat(codec.deadlines).as("clock readings for %s..., at most %d", batch.subList(0, 3), readings)
                    .hasSizeLessThanOrEqualTo(readings);
        }
    }

    private static List<Delivery> deliveries(String... payloads) {
        List<Delivery> deliveries = new ArrayList<>();
        for (String payload : payloads) {
            deliveries.add(new Delivery(payload.getBytes(StandardCharsets.UTF_8), null));
        }
        return deliveries;
    }

    /** A codec that only decodes with a deadline, as {@link BatchDecoder} always calls it. */
    private abstract static class DeadlineCodec implements TaskCodec {
        @Override
        public final byte[] encode(Task task) {
            throw new UnsupportedOperationException();
        }

        @Override
        public final Task decode(byte[] data) {
            throw new UnsupportedOperationException("the decoder passes a deadline");
        }
    }

    /**
     * {@code spin} uses all of its deadline and is refused at it; {@code strict} is refused when its deadline has
     * passed before it starts, else decoded; {@code lenient} is decoded whatever its deadline. Each payload object is
     * told apart by identity (its index), with its attempts and the time it spun.
     */
    private static final class SpinningCodec extends DeadlineCodec {
        final List<Integer> attempts = new ArrayList<>();
        /** Per payload, the time its attempts were granted: each attempt's deadline minus its start, if later. */
        final List<Long> granted = new ArrayList<>();
        /** The distinct deadlines handed out, one per clock reading of the decoder. */
        final Set<Long> deadlines = new HashSet<>();
        private final IdentityHashMap<byte[], Integer> index = new IdentityHashMap<>();

        @Override
        public Task decode(byte[] data, long deadlineNanos) {
            int at = index.computeIfAbsent(data, d -> {
                attempts.add(0);
                granted.add(0L);
                return attempts.size() - 1;
            });
            attempts.set(at, attempts.get(at) + 1);
            deadlines.add(deadlineNanos);
            String payload = new String(data, StandardCharsets.UTF_8);
            long start = System.nanoTime();
            boolean late = start - deadlineNanos > 0;
            if (payload.equals("spin")) {
                granted.set(at, granted.get(at) + Math.max(0, deadlineNanos - start));
                while (System.nanoTime() - deadlineNanos < 0) {
                    Thread.onSpinWait();
                }
                throw new SergeantException(ErrorCode.DECODE_DEADLINE_EXCEEDED, "spun to the deadline");
            }
            if (payload.equals("strict") && late) {
                throw new SergeantException(ErrorCode.DECODE_DEADLINE_EXCEEDED, "past the deadline before starting");
            }
            return Task.of(Map.of("payload", payload));
        }
    }

    /** Records the deadline of every attempt, in order, with the payload it was for. */
    private static final class RecordingCodec extends DeadlineCodec {
        final List<String> payloads = new ArrayList<>();
        final List<Long> deadlines = new ArrayList<>();

        List<Long> attempts(String payload) {
            List<Long> seen = new ArrayList<>();
            for (int i = 0; i < payloads.size(); i++) {
                if (payloads.get(i).equals(payload)) {
                    seen.add(deadlines.get(i));
                }
            }
            return seen;
        }

        @Override
        public Task decode(byte[] data, long deadlineNanos) {
            String payload = new String(data, StandardCharsets.UTF_8);
            payloads.add(payload);
            deadlines.add(deadlineNanos);
            if (payload.equals("slow")) {
                sleep(DEADLINE.plusMillis(300));
            } else if (payload.equals("never") || System.nanoTime() - deadlineNanos > 0) {
                throw new SergeantException(ErrorCode.DECODE_DEADLINE_EXCEEDED, "past the deadline: " + payload);
            }
            return Task.of(Map.of("payload", payload));
        }

        private static void sleep(Duration duration) {
            try {
                Thread.sleep(duration.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
    }
}
