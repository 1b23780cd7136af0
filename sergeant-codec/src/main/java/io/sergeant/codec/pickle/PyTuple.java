package io.sergeant.codec.pickle;

import java.util.AbstractList;
import java.util.RandomAccess;

/**
 * A decoded Python tuple: an unmodifiable list (equal to any list with the same elements). Tuple-ness is
 * not kept on the Java side: written back, it becomes a Python list. Immutable, thread safe once published.
 */
final class PyTuple extends AbstractList<Object> implements RandomAccess {

    static final PyTuple EMPTY = new PyTuple(new Object[0]);

    private final Object[] items;

    PyTuple(Object[] items) {
        this.items = items;
    }

    @Override
    public Object get(int index) {
        return items[index];
    }

    @Override
    public int size() {
        return items.length;
    }
}
