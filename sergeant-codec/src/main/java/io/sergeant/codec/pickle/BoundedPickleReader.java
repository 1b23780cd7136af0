package io.sergeant.codec.pickle;

import io.sergeant.api.SergeantException;
import io.sergeant.api.Task;
import io.sergeant.api.config.DecodeLimits;
import io.sergeant.codec.support.Errors;
import io.sergeant.codec.support.PythonDatetimes;
import io.sergeant.codec.support.TaskFields;
import io.sergeant.codec.support.Utf8;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.IdentityHashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A bounded pickle virtual machine for protocols 2 to 5 that understands plain values and the allow-set
 * of {@link PyGlobal}s, and instantiates nothing else: any other global, {@code INST}/{@code OBJ},
 * extension code or persistent id is refused. Bounds: the stack, the mark stack and the memo are limited
 * (the memo by the payload size), every declared length is checked against {@code maxCollectionLength}
 * and the bytes that remain, containers against {@code maxCollectionLength}, and the finished object
 * graph (which pickle's memo can make deep, shared or cyclic with a flat stack) is walked iteratively
 * once to check {@code maxDepth} and refuse cycles. One instance per payload; not thread safe.
 */
final class BoundedPickleReader {

    private static final String FORMAT = "pickle";
    private static final Object NONE_IN_MEMO = new Object();
    private static final int IN_PROGRESS = -1;

    private final byte[] in;
    private final int end;
    private final DecodeLimits limits;
    private final ZoneId zone;
    private final Clock clock;
    private final int maxStack;
    private int pos;

    private Object[] stack = new Object[32];
    private int sp;
    private int[] marks = new int[8];
    private int mp;
    private Object[] memo = new Object[16];
    private int memoSize;

    /** Internal marker for an instance of {@code sergeant.objects.Task} awaiting its BUILD state. */
    private static final class PendingTask {
        private Map<?, ?> state;
    }

    private record PyTimedelta(long days, long seconds, long micros) {
    }

    private record PyTimezone(ZoneOffset offset) {
    }

    BoundedPickleReader(byte[] in, DecodeLimits limits, Clock clock) {
        this.in = in;
        this.end = in.length;
        this.limits = limits;
        this.clock = clock;
        this.zone = clock.getZone();
        this.maxStack = (int) Math.min(Integer.MAX_VALUE - 16, 2L * limits.maxCollectionLength() + 4L * limits.maxDepth() + 64);
    }

    /** Runs the pickle and returns a {@link Task} or a plain value. */
    Object read() {
        if (end == 0) {
            throw Errors.malformed(FORMAT, "the payload is empty");
        }
        while (true) {
            int opcodePosition = pos;
            int op = u8();
            switch (op) {
                case 0x80 -> { // PROTO
                    int protocol = u8();
                    if (protocol > 5) {
                        throw Errors.malformed(FORMAT, "pickle protocol " + protocol + " is newer than 5");
                    }
                }
                case 0x95 -> { // FRAME: the whole payload is in memory, so only the length is checked
                    long length = u64();
                    if (length < 0 || length > end - pos) {
                        throw Errors.malformed(FORMAT, "FRAME of " + Long.toUnsignedString(length) + " bytes runs past the end");
                    }
                }
                case '.' -> { // STOP
                    Object result = pop();
                    if (pos != end) {
                        throw Errors.malformed(FORMAT, (end - pos) + " trailing byte(s) after STOP at offset " + opcodePosition);
                    }
                    return finish(result);
                }
                case '(' -> pushMark();
                case '0' -> { // POP: an item, or the mark if the current frame is empty
                    if (mp > 0 && marks[mp - 1] == sp) {
                        mp--;
                    } else {
                        pop();
                    }
                }
                case '1' -> sp = popMark(); // POP_MARK
                case '2' -> push(peek()); // DUP
                case 'N' -> push(null);
                case 0x88 -> push(Boolean.TRUE);
                case 0x89 -> push(Boolean.FALSE);
                case 'K' -> push(Long.valueOf(u8())); // BININT1
                case 'M' -> push(Long.valueOf(u8() | (u8() << 8))); // BININT2
                case 'J' -> push(Long.valueOf(i32())); // BININT
                case 0x8a -> push(longValue(u8())); // LONG1
                case 0x8b -> push(longValue(length(i32(), "LONG4 integer of bytes"))); // LONG4
                case 'G' -> push(Double.longBitsToDouble(i64BE())); // BINFLOAT
                case 0x8c -> push(string(u8())); // SHORT_BINUNICODE
                case 'X' -> push(string(u32())); // BINUNICODE
                case 0x8d -> push(string(u64())); // BINUNICODE8
                case 'U' -> push(string(u8())); // SHORT_BINSTRING (Python 2 str, read with encoding='utf-8')
                case 'T' -> push(string(i32())); // BINSTRING
                case 'C' -> push(bytes(u8())); // SHORT_BINBYTES
                case 'B' -> push(bytes(u32())); // BINBYTES
                case 0x8e -> push(bytes(u64())); // BINBYTES8
                case 0x96 -> push(bytes(u64())); // BYTEARRAY8
                case 0x98 -> peek(); // READONLY_BUFFER: a no-op on the top item
                case 0x97 -> throw Errors.malformed(FORMAT, "NEXT_BUFFER: out-of-band buffers are not supported");
                case ']' -> push(new ArrayList<>());
                case 'a' -> { // APPEND
                    Object value = pop();
                    List<Object> list = list(peek(), "APPEND");
                    checkSize(list.size() + 1L, "list");
                    list.add(value);
                }
                case 'e' -> { // APPENDS
                    int start = popMark();
                    List<Object> list = list(below(start), "APPENDS");
                    checkSize(list.size() + (long) (sp - start), "list");
                    for (int i = start; i < sp; i++) {
                        list.add(stack[i]);
                    }
                    truncate(start);
                }
                case 'l' -> { // LIST
                    int start = popMark();
                    checkSize(sp - start, "list");
                    List<Object> list = new ArrayList<>(Arrays.asList(stack).subList(start, sp));
                    truncate(start);
                    push(list);
                }
                case '}' -> push(new LinkedHashMap<>());
                case 's' -> { // SETITEM
                    Object value = pop();
                    Object key = pop();
                    Map<Object, Object> dict = dict(peek(), "SETITEM");
                    put(dict, key, value);
                }
                case 'u' -> { // SETITEMS
                    int start = popMark();
                    setItems(dict(below(start), "SETITEMS"), start);
                }
                case 'd' -> { // DICT
                    int start = popMark();
                    Map<Object, Object> dict = new LinkedHashMap<>();
                    setItems(dict, start);
                    push(dict);
                }
                case ')' -> push(PyTuple.EMPTY);
                case 0x85 -> push(tuple(sp - 1)); // TUPLE1
                case 0x86 -> push(tuple(sp - 2)); // TUPLE2
                case 0x87 -> push(tuple(sp - 3)); // TUPLE3
                case 't' -> push(tuple(popMark())); // TUPLE
                case 0x8f, 0x90, 0x91 -> throw Errors.malformed(FORMAT,
                        "Python sets are not supported by Sergeant for Java; send a list");
                case 'c' -> { // GLOBAL
                    String module = line();
                    String name = line();
                    push(resolve(module, name));
                }
                case 0x93 -> { // STACK_GLOBAL
                    Object name = pop();
                    Object module = pop();
                    if (!(module instanceof String m) || !(name instanceof String n)) {
                        throw Errors.malformed(FORMAT, "STACK_GLOBAL needs two strings");
                    }
                    push(resolve(m, n));
                }
                case 'i' -> { // INST
                    String module = line();
                    String name = line();
                    resolve(module, name);
                    throw Errors.malformed(FORMAT, "INST (protocol 0/1 instance) is not supported; Python Sergeant writes protocol 5");
                }
                case 'o' -> throw Errors.malformed(FORMAT, "OBJ (protocol 0/1 instance) is not supported; Python Sergeant writes protocol 5");
                case 0x82, 0x83, 0x84 -> throw Errors.classNotAllowed("the pickle names a class through the copyreg "
                        + "extension registry (EXT opcode), which is never allowed; allowed: " + PyGlobal.allowed());
                case 'P', 'Q' -> throw Errors.malformed(FORMAT, "persistent ids are not supported");
                case 'R' -> { // REDUCE
                    Object args = pop();
                    Object callable = pop();
                    push(call(callable, args, "REDUCE"));
                }
                case 0x81 -> { // NEWOBJ
                    Object args = pop();
                    Object cls = pop();
                    push(call(cls, args, "NEWOBJ"));
                }
                case 0x92 -> { // NEWOBJ_EX
                    Object kwargs = pop();
                    Object args = pop();
                    Object cls = pop();
                    if (!(kwargs instanceof Map<?, ?> map) || !map.isEmpty()) {
                        throw Errors.malformed(FORMAT, "NEWOBJ_EX with keyword arguments is not supported");
                    }
                    push(call(cls, args, "NEWOBJ_EX"));
                }
                case 'b' -> { // BUILD
                    Object state = pop();
                    if (!(peek() instanceof PendingTask task)) {
                        throw Errors.malformed(FORMAT, "BUILD applies to a " + describe(peek()) + "; only a Task is built");
                    }
                    task.state = taskState(state);
                }
                case 0x94 -> memoPut(memoSize, peek()); // MEMOIZE
                case 'q' -> memoPut(u8(), peek()); // BINPUT
                case 'r' -> memoPut(u32(), peek()); // LONG_BINPUT
                case 'p' -> memoPut(decimalLine(), peek()); // PUT
                case 'h' -> push(memoGet(u8())); // BINGET
                case 'j' -> push(memoGet(u32())); // LONG_BINGET
                case 'g' -> push(memoGet(decimalLine())); // GET
                case 'I', 'L', 'S', 'V', 'F' -> throw Errors.malformed(FORMAT, "text opcode '" + (char) op
                        + "' (protocol 0/1) is not supported; Python Sergeant writes protocol 5");
                default -> throw Errors.malformed(FORMAT, "unknown opcode 0x" + Integer.toHexString(op)
                        + " at offset " + opcodePosition);
            }
        }
    }

    // ---- results -------------------------------------------------------------------------------

    private Object finish(Object result) {
        if (result instanceof PendingTask task) {
            if (task.state == null) {
                throw Errors.malformed(FORMAT, "the Task has no state (no BUILD)");
            }
            checkGraph(task.state, 2);
            return TaskFields.fromFields(task.state, false, clock, FORMAT);
        }
        checkGraph(result, 1);
        return result;
    }

    private Map<?, ?> taskState(Object state) {
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

    /**
     * Walks the value graph once, iteratively: checks every leaf type, refuses cycles, and checks that no
     * container sits deeper than {@code maxDepth} counting the root at {@code rootDepth}.
     */
    private void checkGraph(Object root, int rootDepth) {
        if (!isContainer(root)) {
            checkLeaf(root);
            return;
        }
        int maxDepth = limits.maxDepth();
        if (rootDepth > maxDepth) {
            throw Errors.tooDeep(FORMAT, maxDepth);
        }
        IdentityHashMap<Object, Integer> heights = new IdentityHashMap<>();
        Deque<GraphFrame> path = new ArrayDeque<>();
        heights.put(root, IN_PROGRESS);
        path.push(new GraphFrame(root));
        while (!path.isEmpty()) {
            GraphFrame frame = path.peek();
            if (frame.children.hasNext()) {
                Object child = frame.children.next();
                if (!isContainer(child)) {
                    checkLeaf(child);
                    continue;
                }
                int childDepth = rootDepth + path.size();
                Integer known = heights.get(child);
                if (known != null && known == IN_PROGRESS) {
                    throw Errors.malformed(FORMAT, "a list or dict contains itself; recursive structures are not supported");
                }
                if (known != null) {
                    if (childDepth + known - 1 > maxDepth) {
                        throw Errors.tooDeep(FORMAT, maxDepth);
                    }
                    frame.height = Math.max(frame.height, known);
                    continue;
                }
                if (childDepth > maxDepth) {
                    throw Errors.tooDeep(FORMAT, maxDepth);
                }
                heights.put(child, IN_PROGRESS);
                path.push(new GraphFrame(child));
            } else {
                path.pop();
                int height = frame.height + 1;
                heights.put(frame.container, height);
                if (!path.isEmpty()) {
                    path.peek().height = Math.max(path.peek().height, height);
                }
            }
        }
    }

    private static final class GraphFrame {
        private final Object container;
        private final Iterator<?> children;
        private int height;

        GraphFrame(Object container) {
            this.container = container;
            this.children = container instanceof Map<?, ?> map ? keysAndValues(map) : ((List<?>) container).iterator();
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
        throw Errors.malformed(FORMAT, "a " + describe(value) + " cannot be a value; only plain values, lists, dicts,"
                + " tuples and datetimes may appear, and a Task only at the top");
    }

    // ---- globals and calls -----------------------------------------------------------------------

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
        return switch (global) {
            case TASK -> {
                if (!tuple.isEmpty()) {
                    throw Errors.malformed(FORMAT, "sergeant.objects.Task is created with arguments " + tuple
                            + "; expected NEWOBJ with an empty tuple and BUILD with the state");
                }
                yield new PendingTask();
            }
            case DATETIME -> datetime(tuple);
            case TIMEDELTA -> timedelta(tuple);
            case TIMEZONE -> timezone(tuple);
            case CODECS_ENCODE -> {
                if (!"REDUCE".equals(opcode)) {
                    throw Errors.malformed(FORMAT, "_codecs.encode is not a class");
                }
                yield encode(tuple);
            }
            case BYTES, BYTEARRAY -> {
                if (tuple.isEmpty()) {
                    yield new byte[0];
                }
                if (tuple.size() == 1 && tuple.get(0) instanceof byte[] bytes) {
                    yield bytes.clone();
                }
                yield encode(tuple);
            }
        };
    }

    private static byte[] encode(PyTuple args) {
        if (args.isEmpty() || args.size() > 3 || !(args.get(0) instanceof String text)) {
            throw Errors.malformed(FORMAT, "_codecs.encode/bytes called with " + args);
        }
        String encoding = args.size() > 1 && args.get(1) instanceof String e ? e.toLowerCase(java.util.Locale.ROOT) : "utf-8";
        switch (encoding) {
            case "latin1", "latin-1", "iso-8859-1", "iso8859-1", "l1" -> {
                byte[] bytes = new byte[text.length()];
                for (int i = 0; i < bytes.length; i++) {
                    char c = text.charAt(i);
                    if (c > 0xff) {
                        throw Errors.malformed(FORMAT, "latin-1 text holds the character U+" + Integer.toHexString(c));
                    }
                    bytes[i] = (byte) c;
                }
                return bytes;
            }
            case "utf-8", "utf8" -> {
                return text.getBytes(StandardCharsets.UTF_8);
            }
            default -> throw Errors.malformed(FORMAT, "unsupported text encoding '" + encoding + "' for bytes");
        }
    }

    private Instant datetime(PyTuple args) {
        if (args.isEmpty()) {
            throw Errors.malformed(FORMAT, "datetime.datetime without arguments");
        }
        Object first = args.get(0);
        byte[] state = first instanceof byte[] b ? b : first instanceof String s && s.length() == 10 ? encode(
                new PyTuple(new Object[] {s, "latin1"})) : null;
        try {
            if (state != null) {
                if (state.length != 10 || args.size() > 2) {
                    throw Errors.malformed(FORMAT, "datetime state is not 10 bytes (plus an optional tzinfo)");
                }
                LocalDateTime local = LocalDateTime.of(((state[0] & 0xff) << 8) | (state[1] & 0xff), state[2] & 0x7f,
                        state[3] & 0xff, state[4] & 0xff, state[5] & 0xff, state[6] & 0xff,
                        (((state[7] & 0xff) << 16) | ((state[8] & 0xff) << 8) | (state[9] & 0xff)) * 1000);
                return instant(local, (state[2] & 0x80) != 0, args.size() == 2 ? args.get(1) : null);
            }
            if (args.size() < 3 || args.size() > 8) {
                throw Errors.malformed(FORMAT, "datetime.datetime called with " + args.size() + " arguments");
            }
            int[] fields = new int[7];
            for (int i = 0; i < Math.min(7, args.size()); i++) {
                if (!(args.get(i) instanceof Long value) || value < 0 || value > 1_000_000) {
                    throw Errors.malformed(FORMAT, "datetime field " + i + " is " + describe(args.get(i)));
                }
                fields[i] = value.intValue();
            }
            LocalDateTime local = LocalDateTime.of(fields[0], fields[1], fields[2], fields[3], fields[4], fields[5],
                    fields[6] * 1000);
            return instant(local, false, args.size() == 8 ? args.get(7) : null);
        } catch (DateTimeException e) {
            throw Errors.malformed(FORMAT, "invalid datetime (" + e.getMessage() + ")", e);
        }
    }

    private Instant instant(LocalDateTime local, boolean fold, Object tzinfo) {
        if (tzinfo == null) {
            return PythonDatetimes.fromNaiveLocal(local, fold, zone);
        }
        if (tzinfo instanceof PyTimezone timezone) {
            return local.toInstant(timezone.offset());
        }
        throw Errors.malformed(FORMAT, "datetime tzinfo is a " + describe(tzinfo)
                + "; only datetime.timezone offsets are supported");
    }

    private static PyTimedelta timedelta(PyTuple args) {
        long[] parts = new long[3];
        if (args.size() > 3) {
            throw Errors.malformed(FORMAT, "datetime.timedelta called with " + args.size() + " arguments");
        }
        for (int i = 0; i < args.size(); i++) {
            if (!(args.get(i) instanceof Long value)) {
                throw Errors.malformed(FORMAT, "timedelta field " + i + " is " + describe(args.get(i)));
            }
            parts[i] = value;
        }
        return new PyTimedelta(parts[0], parts[1], parts[2]);
    }

    private static PyTimezone timezone(PyTuple args) {
        if (args.isEmpty() || args.size() > 2 || !(args.get(0) instanceof PyTimedelta delta)) {
            throw Errors.malformed(FORMAT, "datetime.timezone called with " + args);
        }
        if (Math.abs(delta.days()) > 1 || delta.micros() != 0) {
            throw Errors.malformed(FORMAT, "timezone offset " + delta + " is not whole seconds within a day");
        }
        long seconds = delta.days() * 86_400 + delta.seconds();
        try {
            return new PyTimezone(ZoneOffset.ofTotalSeconds(Math.toIntExact(seconds)));
        } catch (DateTimeException | ArithmeticException e) {
            throw Errors.malformed(FORMAT, "timezone offset of " + seconds + " s is out of range", e);
        }
    }

    // ---- containers ------------------------------------------------------------------------------

    @SuppressWarnings("unchecked")
    private static List<Object> list(Object value, String opcode) {
        if (value instanceof ArrayList<?> list) {
            return (List<Object>) list;
        }
        throw Errors.malformed(FORMAT, opcode + " applies to a " + describe(value) + ", not a list");
    }

    @SuppressWarnings("unchecked")
    private static Map<Object, Object> dict(Object value, String opcode) {
        if (value instanceof LinkedHashMap<?, ?> map) {
            return (Map<Object, Object>) map;
        }
        throw Errors.malformed(FORMAT, opcode + " applies to a " + describe(value) + ", not a dict");
    }

    private void setItems(Map<Object, Object> dict, int start) {
        if (((sp - start) & 1) != 0) {
            throw Errors.malformed(FORMAT, "odd number of items for a dict");
        }
        for (int i = start; i < sp; i += 2) {
            put(dict, stack[i], stack[i + 1]);
        }
        truncate(start);
    }

    private void put(Map<Object, Object> dict, Object key, Object value) {
        if (key instanceof ArrayList<?> || key instanceof LinkedHashMap<?, ?>) {
            throw Errors.malformed(FORMAT, "a " + describe(key) + " cannot be a dict key (unhashable)");
        }
        dict.put(key, value);
        checkSize(dict.size(), "dict");
    }

    private PyTuple tuple(int start) {
        if (start < base()) {
            throw underflow();
        }
        Object[] items = Arrays.copyOfRange(stack, start, sp);
        truncate(start);
        return items.length == 0 ? PyTuple.EMPTY : new PyTuple(items);
    }

    private void checkSize(long size, String what) {
        if (size > limits.maxCollectionLength()) {
            throw Errors.collectionTooLarge(FORMAT, what + " of length", size, limits.maxCollectionLength(),
                    "maxCollectionLength");
        }
    }

    // ---- stack, marks and memo -------------------------------------------------------------------

    private int base() {
        return mp == 0 ? 0 : marks[mp - 1];
    }

    private void push(Object value) {
        if (sp == stack.length) {
            if (sp >= maxStack) {
                throw Errors.collectionTooLarge(FORMAT, "stack of items", sp + 1L, maxStack, "the stack limit");
            }
            stack = Arrays.copyOf(stack, (int) Math.min(maxStack, stack.length * 2L));
        }
        stack[sp++] = value;
    }

    private Object pop() {
        if (sp <= base()) {
            throw underflow();
        }
        Object value = stack[--sp];
        stack[sp] = null;
        return value;
    }

    private Object peek() {
        if (sp <= base()) {
            throw underflow();
        }
        return stack[sp - 1];
    }

    /** The item just below a popped mark: the list or dict that APPENDS/SETITEMS fill. */
    private Object below(int markedStart) {
        if (markedStart <= base()) {
            throw underflow();
        }
        return stack[markedStart - 1];
    }

    private void truncate(int newSize) {
        Arrays.fill(stack, newSize, sp, null);
        sp = newSize;
    }

    private void pushMark() {
        if (mp == marks.length) {
            if (mp >= maxStack) {
                throw Errors.collectionTooLarge(FORMAT, "mark stack of", mp + 1L, maxStack, "the stack limit");
            }
            marks = Arrays.copyOf(marks, (int) Math.min(maxStack, marks.length * 2L));
        }
        marks[mp++] = sp;
    }

    private int popMark() {
        if (mp == 0) {
            throw Errors.malformed(FORMAT, "an opcode needs a MARK but there is none");
        }
        return marks[--mp];
    }

    private static SergeantException underflow() {
        return Errors.malformed(FORMAT, "the pickle stack underflows");
    }

    private void memoPut(long index, Object value) {
        if (index < 0 || index >= end) {
            throw Errors.malformed(FORMAT, "memo index " + index + " is out of range for a payload of " + end + " bytes");
        }
        int i = (int) index;
        if (i >= memo.length) {
            memo = Arrays.copyOf(memo, (int) Math.min(end, Math.max(i + 1L, memo.length * 2L)));
        }
        if (memo[i] == null) {
            memoSize++;
        }
        memo[i] = value == null ? NONE_IN_MEMO : value;
    }

    private Object memoGet(long index) {
        Object value = index >= 0 && index < memo.length ? memo[(int) index] : null;
        if (value == null) {
            throw Errors.malformed(FORMAT, "memo index " + index + " was never stored");
        }
        return value == NONE_IN_MEMO ? null : value;
    }

    // ---- primitive reads -------------------------------------------------------------------------

    private int length(long declared, String what) {
        if (declared < 0) {
            throw Errors.malformed(FORMAT, "negative length " + declared + " for a " + what);
        }
        if (declared > limits.maxCollectionLength()) {
            throw Errors.collectionTooLarge(FORMAT, what, declared, limits.maxCollectionLength(), "maxCollectionLength");
        }
        if (declared > end - pos) {
            throw Errors.collectionTooLarge(FORMAT, what, declared, end - pos, "the number of bytes left");
        }
        return (int) declared;
    }

    private String string(long declared) {
        int length = length(declared, "string of bytes");
        String s = Utf8.decode(in, pos, length);
        if (s == null) {
            throw Errors.malformed(FORMAT, "the string at offset " + pos + " is not valid UTF-8");
        }
        pos += length;
        return s;
    }

    private byte[] bytes(long declared) {
        int length = length(declared, "bytes object of");
        byte[] bytes = Arrays.copyOfRange(in, pos, pos + length);
        pos += length;
        return bytes;
    }

    private Object longValue(int length) {
        need(length);
        if (length == 0) {
            return 0L;
        }
        byte[] bigEndian = new byte[length];
        for (int i = 0; i < length; i++) {
            bigEndian[i] = in[pos + length - 1 - i];
        }
        pos += length;
        BigInteger value = new BigInteger(bigEndian);
        return value.bitLength() < 64 ? (Object) value.longValue() : value;
    }

    private String line() {
        int start = pos;
        int limit = Math.min(end, pos + 1024);
        while (pos < limit && in[pos] != '\n') {
            pos++;
        }
        if (pos == limit) {
            throw Errors.malformed(FORMAT, "a text line (GLOBAL/INST/PUT/GET) has no end");
        }
        String text = Utf8.decode(in, start, pos - start);
        pos++;
        if (text == null) {
            throw Errors.malformed(FORMAT, "a text line is not valid UTF-8");
        }
        return text;
    }

    private long decimalLine() {
        String text = line();
        try {
            return Long.parseLong(text.trim());
        } catch (NumberFormatException e) {
            throw Errors.malformed(FORMAT, "'" + text + "' is not a memo index", e);
        }
    }

    private void need(int count) {
        if (end - pos < count) {
            throw Errors.malformed(FORMAT, "the payload ends in the middle of an opcode at offset " + pos);
        }
    }

    private int u8() {
        need(1);
        return in[pos++] & 0xff;
    }

    private int i32() {
        need(4);
        int v = (in[pos] & 0xff) | ((in[pos + 1] & 0xff) << 8) | ((in[pos + 2] & 0xff) << 16) | (in[pos + 3] << 24);
        pos += 4;
        return v;
    }

    private long u32() {
        return i32() & 0xffffffffL;
    }

    private long u64() {
        long low = u32();
        return low | (u32() << 32);
    }

    private long i64BE() {
        need(8);
        long v = 0;
        for (int i = 0; i < 8; i++) {
            v = (v << 8) | (in[pos + i] & 0xff);
        }
        pos += 8;
        return v;
    }

    private static String describe(Object value) {
        if (value instanceof PyGlobal global) {
            return "class " + global.dotted();
        }
        if (value instanceof PendingTask) {
            return "sergeant.objects.Task";
        }
        if (value instanceof PyTimedelta) {
            return "datetime.timedelta";
        }
        if (value instanceof PyTimezone) {
            return "datetime.timezone";
        }
        return TaskFields.typeName(value);
    }
}
