package io.sergeant.api;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** A task's kwargs: an immutable, ordered copy (or a map of {@link Task#kwargsBuilder}), shared (not copied again) between tasks. */
class TaskKwargsTest {

    private static Map<String, Object> ordered(int size) {
        Map<String, Object> map = new LinkedHashMap<>();
        for (int i = size; i > 0; i--) {
            map.put("k" + i, i % 3 == 0 ? null : i);
        }
        return map;
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 2, TaskKwargs.SMALL, TaskKwargs.SMALL + 1, 40})
    void behavesAsAnOrderedMapCopy(int size) {
        Map<String, Object> source = ordered(size);
        Map<String, Object> kwargs = new Task(source, null, 1.0, 0).kwargs();
        assertThat(kwargs).isEqualTo(source).hasSameHashCodeAs(source).hasToString(source.toString());
        assertThat(new ArrayList<>(kwargs.keySet())).isEqualTo(new ArrayList<>(source.keySet()));
        assertThat(new ArrayList<>(kwargs.values())).isEqualTo(new ArrayList<>(source.values()));
        assertThat(kwargs.size()).isEqualTo(size);
        assertThat(kwargs.isEmpty()).isEqualTo(size == 0);
        for (Map.Entry<String, Object> entry : source.entrySet()) {
            assertThat(kwargs.containsKey(entry.getKey())).isTrue();
            assertThat(kwargs.get(entry.getKey())).isEqualTo(entry.getValue());
            assertThat(kwargs.getOrDefault(entry.getKey(), "default")).isEqualTo(entry.getValue());
        }
        assertThat(kwargs.get("absent")).isNull();
        assertThat(kwargs.getOrDefault("absent", "default")).isEqualTo("default");
        assertThat(kwargs.containsKey("absent")).isFalse();
        assertThat(kwargs.containsValue(null)).isEqualTo(size >= 3);
        List<String> seen = new ArrayList<>();
        kwargs.forEach((key, value) -> seen.add(key + "=" + value));
        assertThat(seen).hasSize(size);
        // A copy: changing the source later changes nothing.
        source.put("late", 1);
        assertThat(kwargs).doesNotContainKey("late").hasSize(size);
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 2, TaskKwargs.SMALL + 3})
    void refusesEveryChange(int size) {
        Map<String, Object> kwargs = new Task(ordered(size), null, 1.0, 0).kwargs();
        List<Runnable> changes = List.of(
                () -> kwargs.put("k1", 5), () -> kwargs.remove("k1"), () -> kwargs.putAll(Map.of("x", 1)),
                kwargs::clear, () -> kwargs.replaceAll((k, v) -> v), () -> kwargs.putIfAbsent("k1", 1),
                () -> kwargs.remove("k1", 1), () -> kwargs.replace("k1", 1, 2), () -> kwargs.replace("k1", 2),
                () -> kwargs.computeIfAbsent("k1", k -> 1), () -> kwargs.computeIfPresent("k1", (k, v) -> 1),
                () -> kwargs.compute("k1", (k, v) -> 1), () -> kwargs.merge("k1", 1, (a, b) -> 1));
        for (Runnable change : changes) {
            assertThatThrownBy(change::run).isInstanceOf(UnsupportedOperationException.class);
        }
        if (size > 0) {
            assertThatThrownBy(() -> kwargs.entrySet().iterator().next().setValue(1))
                    .isInstanceOf(UnsupportedOperationException.class);
            Iterator<String> keys = kwargs.keySet().iterator();
            keys.next();
            assertThatThrownBy(keys::remove).isInstanceOf(UnsupportedOperationException.class);
            assertThatThrownBy(() -> kwargs.values().clear()).isInstanceOf(UnsupportedOperationException.class);
        }
        assertThat(kwargs).hasSize(size);
    }

    @Test
    void tasksShareImmutableKwargsInsteadOfCopying() {
        Task task = Task.of(Map.of("i", 1));
        assertThat(task.withIncrementedRunCount().kwargs()).isSameAs(task.kwargs());
        assertThat(new Task(task.kwargs(), "trace", 2.0, 3).kwargs()).isSameAs(task.kwargs());
    }

    @Test
    void keepsNullKeysAndValuesAsLinkedHashMapDid() {
        Map<String, Object> source = new LinkedHashMap<>();
        source.put(null, "v");
        source.put("n", null);
        Map<String, Object> kwargs = new Task(source, null, 1.0, 0).kwargs();
        assertThat(kwargs.get(null)).isEqualTo("v");
        assertThat(kwargs.containsKey("n")).isTrue();
        assertThat(kwargs.get("n")).isNull();
        assertThat(kwargs).isEqualTo(source);
    }

    @ParameterizedTest
    @ValueSource(ints = {1, TaskKwargs.SMALL + 1})
    void serializesAsTheUnmodifiableLinkedHashMapItReplaces(int size) throws Exception {
        Map<String, Object> kwargs = new Task(ordered(size), null, 1.0, 0).kwargs();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(kwargs);
        }
        Object read;
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
            read = in.readObject();
        }
        assertThat(read).isEqualTo(kwargs).isNotInstanceOf(TaskKwargs.class);
        assertThat(new ArrayList<>(((Map<?, ?>) read).keySet())).isEqualTo(new ArrayList<>(kwargs.keySet()));
    }

    @Test
    void equalsMapsOfOtherKinds() {
        Map<String, Object> hashed = new HashMap<>(Map.of("a", 1, "b", "two"));
        Map<String, Object> kwargs = new Task(hashed, null, 1.0, 0).kwargs();
        assertThat(kwargs).isEqualTo(hashed);
        assertThat(hashed).isEqualTo(kwargs);
        assertThat(kwargs).isNotEqualTo(Map.of("a", 1));
    }

    @Test
    @SuppressWarnings({"unchecked", "rawtypes"})
    void copiesAKeyOfAnotherTypeThatARawCallerPutAsLinkedHashMapDoes() {
        Map raw = new LinkedHashMap();
        raw.put("a", 1);
        raw.put(7, "seven");
        Map<String, Object> kwargs = new Task((Map<String, Object>) raw, null, 1.0, 0).kwargs();
        assertThat(new ArrayList<Object>(kwargs.keySet())).containsExactly("a", 7);
        assertThat(kwargs.get(7)).isEqualTo("seven");
    }

    @Test
    void copiesWholeAMapWhoseSizeUnderstatesItsEntries() {
        Map<String, Object> understated = new LinkedHashMap<>(Map.of("a", 1)) {
            @Override
            public int size() {
                return 1;
            }
        };
        understated.put("b", 2);
        understated.put("c", 3);
        Map<String, Object> kwargs = new Task(understated, null, 1.0, 0).kwargs();
        assertThat(new ArrayList<>(kwargs.keySet())).containsExactly("a", "b", "c");
        assertThat(kwargs.get("c")).isEqualTo(3);
    }

    @Test
    void copiesAMapWhoseSizeOverstatesItsEntriesWithoutEmptySlots() {
        Map<String, Object> overstated = new LinkedHashMap<>(Map.of("a", 1)) {
            @Override
            public int size() {
                return 3;
            }
        };
        Map<String, Object> kwargs = new Task(overstated, null, 1.0, 0).kwargs();
        assertThat(new ArrayList<>(kwargs.keySet())).containsExactly("a");
        assertThat(kwargs).isEqualTo(Map.of("a", 1));
    }

    @Test
    void aCallersMapChangedAfterTaskOfDoesNotChangeTheTask() {
        Map<String, Object> source = new LinkedHashMap<>(Map.of("a", 1));
        Task task = Task.of(source);
        source.put("a", 2);
        source.put("b", 3);
        assertThat(task.kwargs()).isEqualTo(Map.of("a", 1));
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 2, TaskKwargs.SMALL - 1, TaskKwargs.SMALL, TaskKwargs.SMALL + 1, 40})
    void aBuilderBuildsWhatALinkedHashMapHoldsWhateverTheHint(int size) {
        Map<String, Object> expected = ordered(size);
        for (int hint : new int[] {0, 1, size, size + 5, 3 * size, TaskKwargs.SMALL + 1, 100_000_000}) {
            Task.KwargsBuilder builder = Task.kwargsBuilder(hint);
            expected.forEach(builder::put);
            Map<String, Object> built = builder.build();
            assertThat(built).as("hint %d", hint).isInstanceOf(TaskKwargs.class).isEqualTo(expected)
                    .hasToString(expected.toString()).hasSameHashCodeAs(expected);
            assertThat(new ArrayList<>(built.keySet())).isEqualTo(new ArrayList<>(expected.keySet()));
            assertThat(new ArrayList<>(built.values())).isEqualTo(new ArrayList<>(expected.values()));
        }
    }

    @Test
    void aBuilderKeepsTheFirstPositionAndTheLastValueOfARepeatedKeyAsLinkedHashMap() {
        for (int distinct : new int[] {1, 3, TaskKwargs.SMALL, TaskKwargs.SMALL + 2}) {
            Map<String, Object> expected = new LinkedHashMap<>();
            Task.KwargsBuilder builder = Task.kwargsBuilder(2 * distinct);
            for (int round = 0; round < 3; round++) {
                for (int i = distinct - 1; i >= 0; i--) {
                    String key = i == 0 ? null : "k" + i;
                    Object value = round == 1 && i % 2 == 0 ? null : round * 100 + i;
                    expected.put(key, value);
                    builder.put(key, value);
                }
            }
            Map<String, Object> built = builder.build();
            assertThat(built).isEqualTo(expected).hasSize(distinct);
            assertThat(new ArrayList<>(built.keySet())).isEqualTo(new ArrayList<>(expected.keySet()));
            assertThat(built.get(null)).isEqualTo(200);
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {1, TaskKwargs.SMALL + 3})
    void aBuiltMapIsSharedByTasksAndNothingCanChangeIt(int size) {
        Task.KwargsBuilder builder = Task.kwargsBuilder(size);
        ordered(size).forEach(builder::put);
        Map<String, Object> built = builder.build();
        Task task = new Task(built, "trace", 1.0, 0);
        assertThat(task.kwargs()).isSameAs(built);
        assertThat(task.withIncrementedRunCount().kwargs()).isSameAs(built);
        assertThatThrownBy(() -> built.put("k1", 5)).isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> builder.put("late", 1)).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(builder::build).isInstanceOf(IllegalStateException.class);
        assertThat(task.kwargs()).isEqualTo(ordered(size)).doesNotContainKey("late");
    }

    @Test
    void aBuilderRefusesANegativeHint() {
        assertThatThrownBy(() -> Task.kwargsBuilder(-1)).isInstanceOf(IllegalArgumentException.class);
        assertThat(Task.kwargsBuilder(0).build()).isEmpty();
    }
}
