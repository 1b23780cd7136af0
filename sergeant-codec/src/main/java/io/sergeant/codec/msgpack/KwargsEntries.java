package io.sergeant.codec.msgpack;

import java.util.AbstractMap;
import java.util.AbstractSet;
import java.util.Iterator;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.Set;
import java.util.function.BiConsumer;

/**
 * A read-only map over decoded kwargs held as {@code [key0, value0, key1, value1, ...]} in wire order,
 * with distinct String keys (the reader checks that before wrapping them). It exists only to be copied by
 * {@link io.sergeant.api.Task}'s constructor, which copies kwargs into its own map anyway (through
 * {@link #forEach}), so the fast decoding path builds no intermediate hash map. Not thread safe; never escapes the reader.
 */
final class KwargsEntries extends AbstractMap<String, Object> {

    private final Object[] keysAndValues;

    KwargsEntries(Object[] keysAndValues) {
        this.keysAndValues = keysAndValues;
    }

    @Override
    public int size() {
        return keysAndValues.length >> 1;
    }

    /** Walks the array: what {@code Task}'s copy calls, so a decode allocates no iterator or entry per key. */
    @Override
    public void forEach(BiConsumer<? super String, ? super Object> action) {
        Objects.requireNonNull(action, "action is null");
        for (int i = 0; i < keysAndValues.length; i += 2) {
            action.accept((String) keysAndValues[i], keysAndValues[i + 1]);
        }
    }

    @Override
    public Set<Map.Entry<String, Object>> entrySet() {
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
                        String key = (String) keysAndValues[next];
                        Object value = keysAndValues[next + 1];
                        next += 2;
                        return new AbstractMap.SimpleImmutableEntry<>(key, value);
                    }
                };
            }
        };
    }
}
