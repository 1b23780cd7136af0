package io.sergeant.codec.pickle;

import io.sergeant.api.config.DecodeLimits;
import io.sergeant.codec.support.DecodeBudget;
import io.sergeant.codec.support.Errors;

import java.math.BigInteger;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.IdentityHashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * The check of a finished pickle's value graph, which the memo can make deep, shared or cyclic with a flat
 * stack. One iterative walk, visiting every distinct list and dict once: checks every leaf type, refuses
 * cycles, checks that no container sits deeper than {@code maxDepth}, and computes each container's size
 * as a tree (shared references counted once per reference) against {@code maxObjects} and
 * {@code maxRetainedBytes}, so that nothing which later walks the result as a tree (equality, hashing,
 * re-encoding, logging) can be made to do more than the budget. Stateless; thread safe.
 */
final class PickleGraph {

    private static final String FORMAT = PickleInput.FORMAT;

    private PickleGraph() {
    }

    /** Checks the graph under {@code root}, counting the root at depth {@code rootDepth}. */
    static void check(Object root, int rootDepth, DecodeLimits limits, DecodeBudget budget) {
        if (!isContainer(root)) {
            checkLeaf(root);
            return;
        }
        int maxDepth = limits.maxDepth();
        if (rootDepth > maxDepth) {
            throw Errors.tooDeep(FORMAT, maxDepth);
        }
        IdentityHashMap<Object, Node> done = new IdentityHashMap<>();
        IdentityHashMap<Object, Boolean> onPath = new IdentityHashMap<>();
        Deque<Node> path = new ArrayDeque<>();
        onPath.put(root, Boolean.TRUE);
        path.push(new Node(root));
        while (!path.isEmpty()) {
            Node frame = path.peek();
            if (!frame.children.hasNext()) {
                path.pop();
                onPath.remove(frame.container);
                frame.height++;
                budget.checkWeight(frame.objects, frame.bytes);
                done.put(frame.container, frame);
                if (!path.isEmpty()) {
                    path.peek().add(frame);
                }
                continue;
            }
            budget.tick();
            Object child = frame.children.next();
            if (!isContainer(child)) {
                checkLeaf(child);
                frame.addLeaf(child);
                continue;
            }
            int childDepth = rootDepth + path.size();
            if (onPath.containsKey(child)) {
                throw Errors.malformed(FORMAT, "a list or dict contains itself; recursive structures are not supported");
            }
            Node known = done.get(child);
            if (known != null) {
                if (childDepth + known.height - 1 > maxDepth) {
                    throw Errors.tooDeep(FORMAT, maxDepth);
                }
                frame.add(known);
                continue;
            }
            if (childDepth > maxDepth) {
                throw Errors.tooDeep(FORMAT, maxDepth);
            }
            onPath.put(child, Boolean.TRUE);
            path.push(new Node(child));
        }
    }

    /** A container being walked or walked: its height and its size as a tree. */
    private static final class Node {
        private final Object container;
        private final Iterator<?> children;
        private int height;
        private long objects = 1;
        private long bytes;

        Node(Object container) {
            this.container = container;
            if (container instanceof Map<?, ?> map) {
                this.children = keysAndValues(map);
                this.bytes = DecodeBudget.CONTAINER_BYTES + map.size() * DecodeBudget.ENTRY_BYTES;
            } else {
                List<?> list = (List<?>) container;
                this.children = list.iterator();
                this.bytes = DecodeBudget.CONTAINER_BYTES + list.size() * DecodeBudget.SLOT_BYTES;
            }
        }

        void add(Node child) {
            height = Math.max(height, child.height);
            objects = PyTuple.saturatedAdd(objects, child.objects);
            bytes = PyTuple.saturatedAdd(bytes, child.bytes);
        }

        void addLeaf(Object leaf) {
            objects = PyTuple.saturatedAdd(objects, 1);
            bytes = PyTuple.saturatedAdd(bytes, PyTuple.leafBytes(leaf));
        }
    }

    private static Iterator<Object> keysAndValues(Map<?, ?> map) {
        Iterator<? extends Map.Entry<?, ?>> entries = map.entrySet().iterator();
        return new Iterator<>() {
            private Map.Entry<?, ?> current;

            @Override
            public boolean hasNext() {
                return current != null || entries.hasNext();
            }

            @Override
            public Object next() {
                if (current != null) {
                    Object value = current.getValue();
                    current = null;
                    return value;
                }
                current = entries.next();
                return current.getKey();
            }
        };
    }

    private static boolean isContainer(Object value) {
        return value instanceof List<?> || value instanceof Map<?, ?>;
    }

    private static void checkLeaf(Object value) {
        if (value == null || value instanceof String || value instanceof Long || value instanceof Double
                || value instanceof Boolean || value instanceof byte[] || value instanceof Instant
                || value instanceof BigInteger) {
            return;
        }
        throw Errors.malformed(FORMAT, "a " + ObjectOpcodes.describe(value) + " cannot be a value; only plain values,"
                + " lists, dicts, tuples and datetimes may appear, and a Task only at the top");
    }
}
