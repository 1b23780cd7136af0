package io.sergeant.api;

import java.io.Serial;
import java.io.Serializable;
import java.util.AbstractMap;
import java.util.AbstractSet;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.Set;
import java.util.function.BiConsumer;
import java.util.function.BiFunction;
import java.util.function.Function;

/**
 * The kwargs map of a {@link Task}: an unmodifiable, insertion-ordered copy that may hold {@code null}
 * values (and, as {@link LinkedHashMap}, a {@code null} key). Small maps (up to {@value #SMALL} entries,
 * what nearly every task carries) are one array of keys and values searched in order, which costs two
 * small objects per task instead of a hash table, its nodes and a wrapper; larger maps are an
 * unmodifiable {@link LinkedHashMap}. Because instances are immutable, a task built from another
 * task's kwargs (a retry's run count) or from a map of {@link Task#kwargsBuilder} (a decoded payload)
 * shares them instead of copying again.
 *
 * <p>Serialized (Java serialization) as the unmodifiable {@link LinkedHashMap} earlier versions held,
 * so its serial form is unchanged.
 *
 * <p>Equality, hash code and {@code toString} follow {@link Map}'s contract ({@code {k=v, ...}} in
 * order). Every mutator throws {@link UnsupportedOperationException}. Thread safe (immutable) as long
 * as its values are not mutated.
 */
final class TaskKwargs extends AbstractMap<String, Object> implements Serializable {

    @Serial
    private static final long serialVersionUID = 1L;

    /** Maps of up to this many entries are kept in one array. */
    static final int SMALL = 8;

    private static final TaskKwargs EMPTY = new TaskKwargs(new Object[0], null);

    /** Keys at even indexes, their values after them; null when {@link #large} holds the entries. */
    private final Object[] keysAndValues;
    /** The entries of a map larger than {@link #SMALL}, unmodifiable; null for a small map. */
    private final Map<String, Object> large;

    private TaskKwargs(Object[] keysAndValues, Map<String, Object> large) {
        this.keysAndValues = keysAndValues;
        this.large = large;
    }

    /** {@code kwargs} itself if it is already a {@code TaskKwargs}, else an immutable copy in its order. */
    static Map<String, Object> copyOf(Map<String, Object> kwargs) {
        if (kwargs instanceof TaskKwargs same) {
            return same;
        }
        int size = kwargs.size();
        if (size == 0) {
            return EMPTY;
        }
        if (size > SMALL) {
            return new TaskKwargs(null, Collections.unmodifiableMap(new LinkedHashMap<>(kwargs)));
        }
        // forEach, not entrySet(): no iterator or entry object per key (a decoded payload's kwargs come as
        // a codec's array-backed map whose forEach walks its array), which made this copy half of a decode.
        Filler filler = new Filler(new Object[size * 2]);
        // No cast of the keys: a raw-typed caller may have put a key of another type, as LinkedHashMap allows.
        @SuppressWarnings("unchecked")
        Map<Object, Object> raw = (Map<Object, Object>) (Map<?, ?>) kwargs;
        raw.forEach(filler);
        if (filler.overflowed) {
            // A map whose size() understated its entries (a concurrent change): copy it whole instead.
            return new TaskKwargs(null, Collections.unmodifiableMap(new LinkedHashMap<>(kwargs)));
        }
        Object[] copy = filler.keysAndValues;
        int i = filler.next;
        if (i != copy.length) {
            Object[] shorter = new Object[i];
            System.arraycopy(copy, 0, shorter, 0, i);
            copy = shorter;
        }
        return new TaskKwargs(copy, null);
    }

    /**
     * A map over the first {@code used} slots of {@code keysAndValues} (distinct keys at even indexes, at most
     * {@link #SMALL} of them), which the caller hands over: it must not keep or change the array.
     */
    static Map<String, Object> adopt(Object[] keysAndValues, int used) {
        if (used == 0) {
            return EMPTY;
        }
        Object[] own = keysAndValues;
        if (used != own.length) {
            own = new Object[used];
            System.arraycopy(keysAndValues, 0, own, 0, used);
        }
        return new TaskKwargs(own, null);
    }

    /** A map over {@code entries} (more than {@link #SMALL}), which the caller hands over: it must not keep or change it. */
    static Map<String, Object> adoptLarge(LinkedHashMap<String, Object> entries) {
        return new TaskKwargs(null, Collections.unmodifiableMap(entries));
    }

    /** Copies entries into {@code keysAndValues} in order; notes when there were more than it holds. */
    private static final class Filler implements BiConsumer<Object, Object> {
        final Object[] keysAndValues;
        int next;
        boolean overflowed;

        Filler(Object[] keysAndValues) {
            this.keysAndValues = keysAndValues;
        }

        @Override
        public void accept(Object key, Object value) {
            if (next == keysAndValues.length) {
                overflowed = true;
                return;
            }
            keysAndValues[next] = key;
            keysAndValues[next + 1] = value;
            next += 2;
        }
    }

    private int indexOf(Object key) {
        Object[] kv = keysAndValues;
        for (int i = 0; i < kv.length; i += 2) {
            if (Objects.equals(kv[i], key)) {
                return i;
            }
        }
        return -1;
    }

    @Override
    public int size() {
        return large != null ? large.size() : keysAndValues.length >> 1;
    }

    @Override
    public boolean isEmpty() {
        return size() == 0;
    }

    @Override
    public Object get(Object key) {
        if (large != null) {
            return large.get(key);
        }
        int index = indexOf(key);
        return index < 0 ? null : keysAndValues[index + 1];
    }

    @Override
    public Object getOrDefault(Object key, Object defaultValue) {
        if (large != null) {
            return large.getOrDefault(key, defaultValue);
        }
        int index = indexOf(key);
        return index < 0 ? defaultValue : keysAndValues[index + 1];
    }

    @Override
    public boolean containsKey(Object key) {
        return large != null ? large.containsKey(key) : indexOf(key) >= 0;
    }

    @Override
    public boolean containsValue(Object value) {
        if (large != null) {
            return large.containsValue(value);
        }
        for (int i = 1; i < keysAndValues.length; i += 2) {
            if (Objects.equals(keysAndValues[i], value)) {
                return true;
            }
        }
        return false;
    }

    @Override
    public void forEach(BiConsumer<? super String, ? super Object> action) {
        Objects.requireNonNull(action, "action is null");
        if (large != null) {
            large.forEach(action);
            return;
        }
        // No cast of the keys: a raw-typed caller may have put a key of another type, as LinkedHashMap allows.
        @SuppressWarnings("unchecked")
        BiConsumer<Object, Object> raw = (BiConsumer<Object, Object>) (BiConsumer<?, ?>) action;
        for (int i = 0; i < keysAndValues.length; i += 2) {
            raw.accept(keysAndValues[i], keysAndValues[i + 1]);
        }
    }

    @Override
    public Set<Map.Entry<String, Object>> entrySet() {
        if (large != null) {
            return large.entrySet();
        }
        return new AbstractSet<>() {
            @Override
            public int size() {
                return keysAndValues.length >> 1;
            }

            @Override
            public Iterator<Map.Entry<String, Object>> iterator() {
                return new Iterator<>() {
                    private int next;

                    @Override
                    public boolean hasNext() {
                        return next < keysAndValues.length;
                    }

                    @Override
                    public Map.Entry<String, Object> next() {
                        if (next >= keysAndValues.length) {
                            throw new NoSuchElementException();
                        }
                        @SuppressWarnings("unchecked")
                        Map.Entry<String, Object> entry = (Map.Entry<String, Object>) (Map.Entry<?, ?>)
                                new AbstractMap.SimpleImmutableEntry<>(keysAndValues[next], keysAndValues[next + 1]);
                        next += 2;
                        return entry;
                    }
                };
            }
        };
    }

    /** Java serialization writes what {@code Task} held before this class: an unmodifiable LinkedHashMap. */
    @Serial
    private Object writeReplace() {
        return large != null ? large : Collections.unmodifiableMap(new LinkedHashMap<>(this));
    }

    private static UnsupportedOperationException unmodifiable() {
        return new UnsupportedOperationException("a task's kwargs are unmodifiable");
    }

    @Override
    public Object put(String key, Object value) {
        throw unmodifiable();
    }

    @Override
    public Object remove(Object key) {
        throw unmodifiable();
    }

    @Override
    public void putAll(Map<? extends String, ?> m) {
        throw unmodifiable();
    }

    @Override
    public void clear() {
        throw unmodifiable();
    }

    @Override
    public void replaceAll(BiFunction<? super String, ? super Object, ?> function) {
        throw unmodifiable();
    }

    @Override
    public Object putIfAbsent(String key, Object value) {
        throw unmodifiable();
    }

    @Override
    public boolean remove(Object key, Object value) {
        throw unmodifiable();
    }

    @Override
    public boolean replace(String key, Object oldValue, Object newValue) {
        throw unmodifiable();
    }

    @Override
    public Object replace(String key, Object value) {
        throw unmodifiable();
    }

    @Override
    public Object computeIfAbsent(String key, Function<? super String, ?> mappingFunction) {
        throw unmodifiable();
    }

    @Override
    public Object computeIfPresent(String key, BiFunction<? super String, ? super Object, ?> remappingFunction) {
        throw unmodifiable();
    }

    @Override
    public Object compute(String key, BiFunction<? super String, ? super Object, ?> remappingFunction) {
        throw unmodifiable();
    }

    @Override
    public Object merge(String key, Object value, BiFunction<? super Object, ? super Object, ?> remappingFunction) {
        throw unmodifiable();
    }
}
