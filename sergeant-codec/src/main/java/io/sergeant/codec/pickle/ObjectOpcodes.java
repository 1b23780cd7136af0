package io.sergeant.codec.pickle;

import io.sergeant.codec.support.DecodeBudget;
import io.sergeant.codec.support.Errors;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The pickle opcodes that name classes and build objects: {@code GLOBAL}, {@code STACK_GLOBAL},
 * {@code REDUCE}, {@code NEWOBJ}, {@code NEWOBJ_EX} and {@code BUILD}. Only the allow-set of
 * {@link PyGlobal} resolves, and calling one goes to {@link PythonConstructors} or makes the
 * {@link PendingTask} that {@code BUILD} fills; {@code INST}, {@code OBJ}, extension codes and persistent
 * ids are refused. One instance per payload; not thread safe.
 */
final class ObjectOpcodes {

    private static final String FORMAT = PickleInput.FORMAT;

    /** An instance of {@code sergeant.objects.Task} awaiting (or holding) its BUILD state. */
    static final class PendingTask {
        private Map<?, ?> state;

        /** The state BUILD gave, or null. */
        Map<?, ?> state() {
            return state;
        }
    }

    private final PickleInput input;
    private final PickleStack stack;
    private final PythonConstructors constructors;
    private final DecodeBudget budget;

    ObjectOpcodes(PickleInput input, PickleStack stack, PythonConstructors constructors, DecodeBudget budget) {
        this.input = input;
        this.stack = stack;
        this.constructors = constructors;
        this.budget = budget;
    }

    /** Runs {@code op} if it is one of this family's opcodes; returns whether it was. */
    boolean apply(int op) {
        switch (op) {
            case 'c' -> { // GLOBAL
                String module = input.line();
                String name = input.line();
                stack.push(resolve(module, name));
            }
            case 0x93 -> { // STACK_GLOBAL
                Object name = stack.pop();
                Object module = stack.pop();
                if (!(module instanceof String m) || !(name instanceof String n)) {
                    throw Errors.malformed(FORMAT, "STACK_GLOBAL needs two strings");
                }
                stack.push(resolve(m, n));
            }
            case 'i' -> { // INST
                resolve(input.line(), input.line());
                throw Errors.malformed(FORMAT, "INST (protocol 0/1 instance) is not supported; Python Sergeant writes protocol 5");
            }
            case 'o' -> throw Errors.malformed(FORMAT, "OBJ (protocol 0/1 instance) is not supported; Python Sergeant writes protocol 5");
            case 0x82, 0x83, 0x84 -> throw Errors.classNotAllowed("the pickle names a class through the copyreg "
                    + "extension registry (EXT opcode), which is never allowed; allowed: " + PyGlobal.allowed());
            case 'P', 'Q' -> throw Errors.malformed(FORMAT, "persistent ids are not supported");
            case 'R' -> { // REDUCE
                Object args = stack.pop();
                Object callable = stack.pop();
                stack.push(call(callable, args, "REDUCE"));
            }
            case 0x81 -> { // NEWOBJ
                Object args = stack.pop();
                Object cls = stack.pop();
                stack.push(call(cls, args, "NEWOBJ"));
            }
            case 0x92 -> { // NEWOBJ_EX
                Object kwargs = stack.pop();
                Object args = stack.pop();
                Object cls = stack.pop();
                if (!(kwargs instanceof Map<?, ?> map) || !map.isEmpty()) {
                    throw Errors.malformed(FORMAT, "NEWOBJ_EX with keyword arguments is not supported");
                }
                stack.push(call(cls, args, "NEWOBJ_EX"));
            }
            case 'b' -> { // BUILD
                Object state = stack.pop();
                if (!(stack.peek() instanceof PendingTask task)) {
                    throw Errors.malformed(FORMAT, "BUILD applies to a " + describe(stack.peek()) + "; only a Task is built");
                }
                task.state = taskState(state);
            }
            default -> {
                return false;
            }
        }
        return true;
    }

    private static PyGlobal resolve(String module, String name) {
        PyGlobal global = PyGlobal.find(module, name);
        if (global == null) {
            throw Errors.classNotAllowed("the pickle refers to '" + module + "." + name + "' (module '" + module
                    + "', name '" + name + "'), which is not allowed; the pickle serializer only reads "
                    + PyGlobal.allowed() + " and plain values, and never instantiates other classes");
        }
        return global;
    }

    private Object call(Object callable, Object args, String opcode) {
        if (!(callable instanceof PyGlobal global)) {
            throw Errors.malformed(FORMAT, opcode + " calls a " + describe(callable) + ", not an allowed class");
        }
        if (!(args instanceof PyTuple tuple)) {
            throw Errors.malformed(FORMAT, opcode + " arguments are a " + describe(args) + ", not a tuple");
        }
        budget.chargeValue();
        return switch (global) {
            case TASK -> {
                if (!tuple.isEmpty()) {
                    throw Errors.malformed(FORMAT, "sergeant.objects.Task is created with arguments "
                            + PythonConstructors.describeArgs(tuple) + "; expected NEWOBJ with an empty tuple and BUILD with the state");
                }
                yield new PendingTask();
            }
            case DATETIME -> constructors.datetime(tuple);
            case TIMEDELTA -> PythonConstructors.timedelta(tuple);
            case TIMEZONE -> PythonConstructors.timezone(tuple);
            case CODECS_ENCODE -> {
                if (!"REDUCE".equals(opcode)) {
                    throw Errors.malformed(FORMAT, "_codecs.encode is not a class");
                }
                yield charged(PythonConstructors.encode(tuple));
            }
            case BYTES, BYTEARRAY -> charged(PythonConstructors.bytes(tuple));
        };
    }

    private byte[] charged(byte[] bytes) {
        budget.chargeString(bytes.length);
        return bytes;
    }

    private static Map<?, ?> taskState(Object state) {
        if (state instanceof Map<?, ?> map) {
            return map;
        }
        if (state instanceof PyTuple tuple && tuple.size() == 2 && tuple.get(0) instanceof Map<?, ?> map
                && (tuple.get(1) == null || tuple.get(1) instanceof Map<?, ?>)) {
            Map<Object, Object> merged = new LinkedHashMap<>(map);
            if (tuple.get(1) instanceof Map<?, ?> slots) {
                merged.putAll(slots);
            }
            return merged;
        }
        throw Errors.malformed(FORMAT, "the Task's state is a " + describe(state) + ", not a dict");
    }

    /** Describes a value for messages, Task included. */
    static String describe(Object value) {
        return value instanceof PendingTask ? "sergeant.objects.Task" : PythonConstructors.describe(value);
    }
}
