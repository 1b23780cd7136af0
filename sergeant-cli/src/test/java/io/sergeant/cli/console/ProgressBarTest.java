package io.sergeant.cli.console;

import org.junit.jupiter.api.Test;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ProgressBarTest {

    private final AtomicLong nanos = new AtomicLong();
    private final StringWriter text = new StringWriter();

    private ProgressBar bar(boolean terminal) {
        return new ProgressBar(new PrintWriter(text), terminal, "executed", 200, 2000, nanos::get);
    }

    @Test
    void rendersFractionCountsRateAndDetail() {
        assertThat(bar(false).render(50, "ready 150", 2_000_000_000L))
                .isEqualTo("[########......................]  25.0% 50/200 executed, 25/s, 2.0s | ready 150");
    }

    @Test
    void withoutATerminalPrintsALineAtMostEveryInterval() {
        ProgressBar bar = bar(false);
        bar.update(10, "");
        nanos.addAndGet(1_000_000_000L);
        bar.update(20, "");
        nanos.addAndGet(1_500_000_000L);
        bar.update(30, "");
        bar.finish(200, "done");

        assertThat(text.toString().lines().toList()).hasSize(3)
                .allSatisfy(line -> assertThat(line).doesNotContain("\r"));
        assertThat(text.toString()).contains("10/200", "30/200", "200/200 executed").doesNotContain("20/200");
        assertThat(text.toString().lines().toList().get(2)).endsWith("| done");
    }

    @Test
    void onATerminalRedrawsInPlaceAndEndsTheLineWhenFinished() {
        ProgressBar bar = bar(true);
        bar.update(10, "");
        nanos.addAndGet(200_000_000L);
        bar.update(20, "");
        bar.finish(200, "");

        assertThat(text.toString()).startsWith("\r[").endsWith(System.lineSeparator());
        assertThat(text.toString().split("\r")).hasSize(4);
    }

    @Test
    void rejectsANonPositiveTotal() {
        assertThatThrownBy(() -> new ProgressBar(new PrintWriter(text), false, "x", 0, 1, nanos::get))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
