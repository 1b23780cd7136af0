package io.sergeant.codec.pickle;

import io.sergeant.api.config.DecodeLimits;
import io.sergeant.codec.support.DecodeBudget;
import io.sergeant.codec.support.Errors;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The pickle opcodes that build lists, dicts and tuples. Containers grow as their items arrive and are
 * limited to {@code maxCollectionLength}; every container and slot is charged to the payload's
 * {@link DecodeBudget}. A dict key must be hashable as in Python (no list or dict, at any depth of a
 * tuple), and a tuple key is charged its size as a tree before it is hashed, so shared references cannot
 * make hashing or equality exponential. Python sets are refused. One instance per payload; not thread safe.
 */
final class ContainerOpcodes {

    private static final String FORMAT = PickleInput.FORMAT;

    private final PickleStack stack;
    private final DecodeLimits limits;
    private final DecodeBudget budget;

    ContainerOpcodes(PickleStack stack, DecodeLimits limits, DecodeBudget budget) {
        this.stack = stack;
        this.limits = limits;
        this.budget = budget;
    }

    /** Runs {@code op} if it is one of this family's opcodes; returns whether it was. */
    boolean apply(int op) {
        switch (op) {
            case ']' -> { // EMPTY_LIST
                budget.charge(1, DecodeBudget.CONTAINER_BYTES);
                stack.push(new ArrayList<>());
            }
            case 'a' -> { // APPEND
                Object value = stack.pop();
                List<Object> list = list(stack.peek(), "APPEND");
                checkSize(list.size() + 1L, "list");
                budget.charge(0, DecodeBudget.SLOT_BYTES);
                list.add(value);
            }
            case 'e' -> { // APPENDS
                int start = stack.popMark();
                List<Object> list = list(stack.below(start), "APPENDS");
                int count = stack.size() - start;
                checkSize(list.size() + (long) count, "list");
                budget.charge(0, count * DecodeBudget.SLOT_BYTES);
                for (int i = start; i < start + count; i++) {
                    list.add(stack.at(i));
                }
                stack.truncate(start);
            }
            case 'l' -> { // LIST
                int start = stack.popMark();
                int count = stack.size() - start;
                checkSize(count, "list");
                budget.charge(1, DecodeBudget.CONTAINER_BYTES + count * DecodeBudget.SLOT_BYTES);
                stack.push(new ArrayList<>(Arrays.asList(stack.popFrom(start))));
            }
            case '}' -> { // EMPTY_DICT
                budget.charge(1, DecodeBudget.CONTAINER_BYTES);
                stack.push(new LinkedHashMap<>());
            }
            case 's' -> { // SETITEM
                Object value = stack.pop();
                Object key = stack.pop();
                put(dict(stack.peek(), "SETITEM"), key, value);
            }
            case 'u' -> { // SETITEMS
                int start = stack.popMark();
                setItems(dict(stack.below(start), "SETITEMS"), start);
            }
            case 'd' -> { // DICT
                int start = stack.popMark();
                budget.charge(1, DecodeBudget.CONTAINER_BYTES);
                Map<Object, Object> dict = new LinkedHashMap<>();
                setItems(dict, start);
                stack.push(dict);
            }
            case ')' -> stack.push(PyTuple.EMPTY); // EMPTY_TUPLE
            case 0x85 -> stack.push(tuple(stack.size() - 1)); // TUPLE1
            case 0x86 -> stack.push(tuple(stack.size() - 2)); // TUPLE2
            case 0x87 -> stack.push(tuple(stack.size() - 3)); // TUPLE3
            case 't' -> stack.push(tuple(stack.popMark())); // TUPLE
            case 0x8f, 0x90, 0x91 -> throw Errors.malformed(FORMAT,
                    "Python sets are not supported by Sergeant for Java; send a list");
            default -> {
                return false;
            }
        }
        return true;
    }

    @SuppressWarnings("unchecked")
    private static List<Object> list(Object value, String opcode) {
        if (value instanceof ArrayList<?> list) {
            return (List<Object>) list;
        }
        throw Errors.malformed(FORMAT, opcode + " applies to a " + ObjectOpcodes.describe(value) + ", not a list");
    }

    @SuppressWarnings("unchecked")
    private static Map<Object, Object> dict(Object value, String opcode) {
        if (value instanceof LinkedHashMap<?, ?> map) {
            return (Map<Object, Object>) map;
        }
        throw Errors.malformed(FORMAT, opcode + " applies to a " + ObjectOpcodes.describe(value) + ", not a dict");
    }

    private void setItems(Map<Object, Object> dict, int start) {
        if (((stack.size() - start) & 1) != 0) {
            throw Errors.malformed(FORMAT, "odd number of items for a dict");
        }
        for (int i = start; i < stack.size(); i += 2) {
            put(dict, stack.at(i), stack.at(i + 1));
        }
        stack.truncate(start);
    }

    /**
     * Python's {@code dict[key] = value}: the key must be hashable, and a tuple key is charged its size as
     * a tree first (hashing and comparing it costs that much).
     */
    private void put(Map<Object, Object> dict, Object key, Object value) {
        if (key instanceof ArrayList<?> || key instanceof Map<?, ?>) {
            throw Errors.malformed(FORMAT, "a " + ObjectOpcodes.describe(key) + " cannot be a dict key (unhashable)");
        }
        if (key instanceof PyTuple tuple) {
            if (!tuple.hashable()) {
                throw Errors.malformed(FORMAT, "a tuple holding a list or dict cannot be a dict key (unhashable)");
            }
            budget.chargeShared(tuple.weightObjects(), tuple.weightBytes());
        }
        budget.charge(0, DecodeBudget.ENTRY_BYTES);
        dict.put(key, value);
        checkSize(dict.size(), "dict");
    }

    private PyTuple tuple(int start) {
        Object[] items = stack.popFrom(start);
        if (items.length == 0) {
            return PyTuple.EMPTY;
        }
        budget.charge(1, DecodeBudget.CONTAINER_BYTES + items.length * DecodeBudget.SLOT_BYTES);
        return new PyTuple(items);
    }

    private void checkSize(long size, String what) {
        if (size > limits.maxCollectionLength()) {
            throw Errors.collectionTooLarge(FORMAT, what + " of length", size, limits.maxCollectionLength(),
                    "maxCollectionLength");
        }
    }
}
