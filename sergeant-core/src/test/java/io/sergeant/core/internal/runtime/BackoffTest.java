package io.sergeant.core.internal.runtime;

import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class BackoffTest {

    @Test
    void doublesFromTheFirstWaitUpToTheMaximumAndResetsOnSuccess() {
        Backoff backoff = new Backoff(Duration.ofMillis(250), Duration.ofSeconds(3));

        assertThat(backoff.failed()).isEqualTo(new Backoff.Step(Duration.ofMillis(250), 1));
        assertThat(backoff.failed().delay()).isEqualTo(Duration.ofMillis(500));
        assertThat(backoff.failed().delay()).isEqualTo(Duration.ofSeconds(1));
        assertThat(backoff.failed().delay()).isEqualTo(Duration.ofSeconds(2));
        assertThat(backoff.failed().delay()).isEqualTo(Duration.ofSeconds(3));
        assertThat(backoff.failed()).isEqualTo(new Backoff.Step(Duration.ofSeconds(3), 6));
        assertThat(backoff.succeeded()).isEqualTo(6);
        assertThat(backoff.succeeded()).isZero();
        assertThat(backoff.failed()).isEqualTo(new Backoff.Step(Duration.ofMillis(250), 1));
    }

    @Test
    void refusesAMaximumBelowTheFirstWait() {
        assertThatThrownBy(() -> new Backoff(Duration.ofSeconds(2), Duration.ofSeconds(1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("0 < initial <= max");
    }
}
