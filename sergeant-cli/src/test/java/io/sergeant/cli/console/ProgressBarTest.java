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
    void onAnEightyColumnTerminalEveryRedrawFitsOnOneLineAndErasesWhatWasThere() {
        ProgressBar bar = new ProgressBar(new PrintWriter(text), true, "executed", 10_000_000_000L, 2000, nanos::get, 80);
        String longDetail = "ready 9,999,999,999 | delayed 12,345 | in flight 999 | dead letters 42 | workers 64";
        bar.update(1, longDetail);
        nanos.addAndGet(200_000_000L);
        bar.update(5_000_000_000L, "ready 3");
        nanos.addAndGet(200_000_000L);
        bar.finish(10_000_000_000L, "");

        String[] redraws = text.toString().replace(System.lineSeparator(), "").split("\r");
        assertThat(redraws).hasSize(4);
        for (String redraw : java.util.Arrays.copyOfRange(redraws, 1, redraws.length)) {
            assertThat(redraw).endsWith("\u001B[K");
            String visible = redraw.substring(0, redraw.length() - "\u001B[K".length());
            assertThat(visible.length()).as(visible).isLessThan(80);
            assertThat(visible.chars()).as("no control character in " + visible).allMatch(c -> c >= ' ');
        }
        assertThat(redraws[1]).contains("\u2026").startsWith("[");
        assertThat(redraws[2]).contains("5,000,000,000/10,000,000,000 executed");
    }

    @Test
    void theTerminalWidthComesFromColumns() {
        assertThat(ProgressBar.columns(null)).isEqualTo(80);
        assertThat(ProgressBar.columns("132")).isEqualTo(132);
        assertThat(ProgressBar.columns("wide")).isEqualTo(80);
    }

    @Test
    void rejectsANonPositiveTotal() {
        assertThatThrownBy(() -> new ProgressBar(new PrintWriter(text), false, "x", 0, 1, nanos::get))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
