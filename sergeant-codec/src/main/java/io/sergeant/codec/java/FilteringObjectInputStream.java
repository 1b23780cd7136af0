package io.sergeant.codec.java;

import io.sergeant.api.ErrorCode;
import io.sergeant.api.config.DecodeLimits;

import io.sergeant.codec.support.DecodeBudget;

import java.io.IOException;
import java.io.InputStream;
import java.io.InvalidClassException;
import java.io.InvalidObjectException;
import java.io.ObjectInputFilter;
import java.io.ObjectInputStream;
import java.io.ObjectStreamClass;
import java.util.Collection;
import java.util.IdentityHashMap;
import java.util.Iterator;
import java.util.Map;

/**
 * An {@link ObjectInputStream} that checks every class name against the {@link ClassAllowList} before the
 * class is even loaded (so a refused class's static initialiser and {@code readObject} never run), refuses
 * proxies, and applies the decode limits through an {@link ObjectInputFilter} (depth, array length,
 * references, stream bytes) and the payload's {@link DecodeBudget} (its deadline is checked on every
 * filter call). It remembers why it refused, so the serializer can report the right {@link ErrorCode}.
 *
 * <p>Deserialization bombs: a JDK {@code HashSet} or {@code HashMap} hashes its elements inside its own
 * {@code readObject}, where no filter runs, and back-references make that exponential (the classic
 * {@code HashSet} bomb). So every collection, map and object array is weighed as it finishes reading
 * ({@link #resolveObject}): its size as a tree, shared references counted once per reference, from the
 * weights of its elements, which finished before it. One over {@code maxObjects} or
 * {@code maxRetainedBytes} is refused before the collection that holds it can hash it, so no hash or
 * equality during the read costs more than the budget; a collection that holds itself is refused as a
 * cycle. One instance per payload; not thread safe.
 */
final class FilteringObjectInputStream extends ObjectInputStream {

    private final ClassAllowList allowList;
    private final ClassLoader classLoader;
    private final DecodeLimits limits;
    private final long maxBytes;
    private final DecodeBudget budget;
    private final IdentityHashMap<Object, long[]> weights = new IdentityHashMap<>();
    private ErrorCode refusal;
    private String refusalDetail;

    FilteringObjectInputStream(InputStream in, ClassAllowList allowList, ClassLoader classLoader, DecodeLimits limits,
                               long maxBytes, DecodeBudget budget) throws IOException {
        super(in);
        this.allowList = allowList;
        this.classLoader = classLoader;
        this.limits = limits;
        this.maxBytes = maxBytes;
        this.budget = budget;
        setObjectInputFilter(this::check);
        enableResolveObject(true);
    }

    /** The code of the last refusal, or {@code null}. */
    ErrorCode refusal() {
        return refusal;
    }

    /** What was refused, for the message. */
    String refusalDetail() {
        return refusalDetail;
    }

    /** Bounds a count read by a custom {@code readObject} (the envelope's kwargs size). */
    void checkLength(int length) throws InvalidClassException {
        if (length < 0 || length > limits.maxCollectionLength()) {
            throw refuse(ErrorCode.COLLECTION_TOO_LARGE, "a collection of " + length + " entries (maxCollectionLength="
                    + limits.maxCollectionLength() + ")");
        }
    }

    /** Checks the size as a tree of a task's kwargs, whose values have all been read (and weighed). */
    void checkTree(Map<String, Object> kwargs) throws InvalidObjectException {
        long[] weight = weigh(kwargs, kwargs.entrySet().stream().flatMap(e -> java.util.stream.Stream.of(e.getKey(),
                e.getValue())).iterator(), kwargs.size(), DecodeBudget.ENTRY_BYTES);
        budget.checkWeight(weight[0], weight[1]);
    }

    /** Weighs every collection, map and object array as it finishes reading; see the class comment. */
    @Override
    protected Object resolveObject(Object object) throws IOException {
        budget.tick();
        long[] weight;
        if (object instanceof Map<?, ?> map) {
            weight = weigh(object, map.entrySet().stream().flatMap(e -> java.util.stream.Stream.of(e.getKey(),
                    e.getValue())).iterator(), map.size(), DecodeBudget.ENTRY_BYTES);
        } else if (object instanceof Collection<?> collection) {
            weight = weigh(object, collection.iterator(), collection.size(), DecodeBudget.SLOT_BYTES);
        } else if (object instanceof Object[] array) {
            weight = weigh(object, java.util.Arrays.asList(array).iterator(), array.length, DecodeBudget.SLOT_BYTES);
        } else {
            return object;
        }
        budget.checkWeight(weight[0], weight[1]);
        weights.put(object, weight);
        return object;
    }

    private long[] weigh(Object container, Iterator<?> children, int size, long slotBytes) throws InvalidObjectException {
        long objects = 1;
        long bytes = DecodeBudget.CONTAINER_BYTES + size * slotBytes;
        while (children.hasNext()) {
            Object child = children.next();
            if (child instanceof Map<?, ?> || child instanceof Collection<?> || child instanceof Object[]) {
                long[] known = weights.get(child);
                if (known == null) {
                    // Everything a collection holds was read, and weighed, before it; only an enclosing
                    // collection still being read is not: the collection holds itself.
                    reject(ErrorCode.MALFORMED_PAYLOAD, "a collection that contains itself");
                    throw new InvalidObjectException("a " + container.getClass().getName() + " contains itself;"
                            + " recursive structures are not supported");
                }
                objects = saturatedAdd(objects, known[0]);
                bytes = saturatedAdd(bytes, known[1]);
            } else {
                objects = saturatedAdd(objects, 1);
                bytes = saturatedAdd(bytes, child instanceof String text ? DecodeBudget.STRING_BYTES + text.length()
                        : DecodeBudget.VALUE_BYTES);
            }
        }
        return new long[] {objects, bytes};
    }

    private static long saturatedAdd(long a, long b) {
        long sum = a + b;
        return sum < 0 ? Long.MAX_VALUE : sum;
    }

    @Override
    protected Class<?> resolveClass(ObjectStreamClass desc) throws IOException, ClassNotFoundException {
        String name = desc.getName();
        if (!allowList.allows(name)) {
            throw refuse(ErrorCode.CLASS_NOT_ALLOWED, name);
        }
        return Class.forName(name, false, classLoader);
    }

    @Override
    protected Class<?> resolveProxyClass(String[] interfaces) throws IOException {
        throw refuse(ErrorCode.CLASS_NOT_ALLOWED, "a dynamic proxy for " + String.join(", ", interfaces));
    }

    private ObjectInputFilter.Status check(ObjectInputFilter.FilterInfo info) {
        if (budget.tickPassedDeadline()) {
            return reject(ErrorCode.DECODE_DEADLINE_EXCEEDED, "taken longer than its decode deadline (decodeDeadline="
                    + limits.decodeDeadline() + ")");
        }
        if (info.references() > limits.maxObjects()) {
            return reject(ErrorCode.DECODE_BUDGET_EXCEEDED, "more than " + limits.maxObjects()
                    + " object references (maxObjects=" + limits.maxObjects() + ")");
        }
        if (info.depth() > limits.maxDepth() + 2L) {
            return reject(ErrorCode.NESTING_TOO_DEEP, "nesting of depth " + info.depth() + " (maxDepth=" + limits.maxDepth() + ")");
        }
        if (info.arrayLength() > limits.maxCollectionLength()) {
            return reject(ErrorCode.COLLECTION_TOO_LARGE, "an array or collection of " + info.arrayLength()
                    + " elements (maxCollectionLength=" + limits.maxCollectionLength() + ")");
        }
        if (info.streamBytes() > maxBytes) {
            return reject(ErrorCode.PAYLOAD_TOO_LARGE, "a stream of more than " + maxBytes + " bytes");
        }
        Class<?> type = info.serialClass();
        if (type != null && !allowList.allows(type.getName())) {
            return reject(ErrorCode.CLASS_NOT_ALLOWED, type.getName());
        }
        return ObjectInputFilter.Status.ALLOWED;
    }

    private ObjectInputFilter.Status reject(ErrorCode code, String detail) {
        refusal = code;
        refusalDetail = detail;
        return ObjectInputFilter.Status.REJECTED;
    }

    private InvalidClassException refuse(ErrorCode code, String detail) {
        reject(code, detail);
        return new InvalidClassException(detail, "refused by the java serializer");
    }
}
