package io.sergeant.core.internal.runtime;

import io.sergeant.api.Task;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class LoggedTaskTest {

    @Test
    void aTaskWhoseKwargsRenderPastTheBoundIsLoggedAsABoundedPreview() {
        List<Object> huge = new ArrayList<>();
        for (int i = 0; i < 100_000; i++) {
            huge.add("item " + i);
        }
        Task task = new Task(Map.of("huge", huge), "trace", 1.5, 2);

        Task logged = LoggedTask.of(task);

        assertThat(logged.kwargs()).containsOnlyKeys("truncated_kwargs");
        assertThat((String) logged.kwargs().get("truncated_kwargs")).hasSize(LoggedTask.MAX_CHARS + 3)
                .startsWith("{huge=[item 0, item 1, ").endsWith("...");
        assertThat(logged.traceId()).isEqualTo("trace");
        assertThat(logged.runCount()).isEqualTo(2);
    }

    @Test
    void aSmallTaskIsLoggedAsItIs() {
        Task small = Task.of(Map.of("id", 1, "list", List.of(1, 2), "bytes", new byte[3]));
        assertThat(LoggedTask.of(small)).isSameAs(small);
        assertThat(LoggedTask.preview(Map.of("a", List.of(1, Map.of("b", 2))), 100)).isNull();
    }

    @Test
    void aValueThatContainsItselfStillRendersBoundedly() {
        List<Object> cycle = new ArrayList<>();
        cycle.add(cycle);
        assertThat(LoggedTask.preview(Map.of("c", cycle), 50)).hasSize(53).startsWith("{c=[[[[");
        assertThat(LoggedTask.preview("x".repeat(10_000), 20)).isEqualTo("x".repeat(20) + "...");
    }

    @Test
    void controlCharactersOfTaskDataAreEscapedSoNoLogLineCanBeForged() {
        String forged = "ok\n[main] ERROR io.sergeant.Admin - password reset\r\u001b[2J\u2028";
        Task task = new Task(Map.of("name", forged, "line\nkey", 1), "trace\nX", 1.5, 0);

        Task logged = LoggedTask.of(task);

        assertThat(logged.kwargs()).containsOnlyKeys("escaped_kwargs");
        String shown = (String) logged.kwargs().get("escaped_kwargs");
        assertThat(shown).doesNotContain("\n", "\r", "\u001b", "\u2028")
                .contains("ok\\n[main] ERROR io.sergeant.Admin - password reset\\r\\u001b[2J\\u2028").contains("line\\nkey=1");
        assertThat(logged.traceId()).isEqualTo("trace\\nX");
        assertThat(logged.toString()).doesNotContain("\n");
        assertThat(LoggedTask.escape("plain text, tabs\tand all")).isEqualTo("plain text, tabs\\tand all");
        assertThat(LoggedTask.escape("no control")).isSameAs("no control");
    }

    @Test
    void anExceptionDescribedInALogMessageIsEscapedToo() {
        RuntimeException thrown = new IllegalArgumentException("bad email: x\n[main] ERROR io.sergeant.Admin - password reset\r");

        assertThat(LifecycleTaskRunner.logged(thrown))
                .isEqualTo("java.lang.IllegalArgumentException: bad email: x\\n[main] ERROR io.sergeant.Admin - password reset\\r");
        assertThat(LifecycleTaskRunner.describe(thrown)).contains("\n");
        assertThat(LifecycleTaskRunner.logged(null)).isNull();
    }
}
