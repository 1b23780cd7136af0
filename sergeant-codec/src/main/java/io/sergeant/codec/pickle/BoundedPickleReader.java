package io.sergeant.codec.pickle;

import io.sergeant.api.config.DecodeLimits;
import io.sergeant.codec.support.DecodeBudget;
import io.sergeant.codec.support.Errors;
import io.sergeant.codec.support.TaskFields;

import java.time.Clock;

/**
 * A bounded pickle virtual machine for protocols 2 to 5 that understands plain values and the allow-set
 * of {@link PyGlobal}s, and instantiates nothing else. This class runs the opcode loop and the framing,
 * stack and memo opcodes; the other opcode families live in {@link ContainerOpcodes} (lists, dicts,
 * tuples) and {@link ObjectOpcodes} (globals and calls, through {@link PythonConstructors}); the byte
 * cursor is {@link PickleInput}, the stacks and memo {@link PickleStack}, and the finished graph is
 * checked by {@link PickleGraph}.
 *
 * <p>Bounds: the stack and mark stack are limited, the memo by the payload size; every declared length
 * is checked against {@code maxCollectionLength} and the bytes that remain; everything the machine
 * creates is charged to the payload's {@link DecodeBudget}, whose deadline is checked as it goes; the
 * finished graph is checked for depth, cycles and its size as a tree. One instance per payload; not
 * thread safe.
 */
final class BoundedPickleReader {

    private static final String FORMAT = PickleInput.FORMAT;

    private final DecodeLimits limits;
    private final Clock clock;
    private final DecodeBudget budget;
    private final PickleInput input;
    private final PickleStack stack;
    private final ContainerOpcodes containers;
    private final ObjectOpcodes objects;

    BoundedPickleReader(byte[] in, DecodeLimits limits, Clock clock, DecodeBudget budget) {
        this.limits = limits;
        this.clock = clock;
        this.budget = budget;
        this.input = new PickleInput(in, limits, budget);
        int maxStack = (int) Math.min(Integer.MAX_VALUE - 16, 2L * limits.maxCollectionLength() + 4L * limits.maxDepth() + 64);
        this.stack = new PickleStack(maxStack, in.length, budget);
        this.containers = new ContainerOpcodes(stack, limits, budget);
        this.objects = new ObjectOpcodes(input, stack, new PythonConstructors(clock.getZone()), budget);
    }

    /** Runs the pickle and returns a {@link io.sergeant.api.Task} or a plain value. */
    Object read() {
        if (input.size() == 0) {
            throw Errors.malformed(FORMAT, "the payload is empty");
        }
        while (true) {
            budget.tick();
            int opcodePosition = input.position();
            int op = input.u8();
            if (op == '.') { // STOP
                Object result = stack.pop();
                if (input.remaining() != 0) {
                    throw Errors.malformed(FORMAT, input.remaining() + " trailing byte(s) after STOP at offset " + opcodePosition);
                }
                return finish(result);
            }
            if (!machine(op) && !scalar(op) && !containers.apply(op) && !objects.apply(op)) {
                throw unknown(op, opcodePosition);
            }
        }
    }

    /** Framing, stack and memo opcodes. */
    private boolean machine(int op) {
        switch (op) {
            case 0x80 -> { // PROTO
                int protocol = input.u8();
                if (protocol > 5) {
                    throw Errors.malformed(FORMAT, "pickle protocol " + protocol + " is newer than 5");
                }
            }
            case 0x95 -> { // FRAME: the whole payload is in memory, so only the length is checked
                long length = input.u64();
                if (length < 0 || length > input.remaining()) {
                    throw Errors.malformed(FORMAT, "FRAME of " + Long.toUnsignedString(length) + " bytes runs past the end");
                }
            }
            case '(' -> stack.pushMark(); // MARK
            case '0' -> stack.popItemOrMark(); // POP
            case '1' -> stack.truncate(stack.popMark()); // POP_MARK
            case '2' -> stack.push(stack.peek()); // DUP
            case 0x94 -> stack.memoize(); // MEMOIZE
            case 'q' -> stack.memoPut(input.u8()); // BINPUT
            case 'r' -> stack.memoPut(input.u32()); // LONG_BINPUT
            case 'p' -> stack.memoPut(input.decimalLine()); // PUT
            case 'h' -> stack.push(stack.memoGet(input.u8())); // BINGET
            case 'j' -> stack.push(stack.memoGet(input.u32())); // LONG_BINGET
            case 'g' -> stack.push(stack.memoGet(input.decimalLine())); // GET
            default -> {
                return false;
            }
        }
        return true;
    }

    /** Opcodes that push one plain value. */
    private boolean scalar(int op) {
        switch (op) {
            case 'N' -> stack.push(null);
            case 0x88 -> stack.push(Boolean.TRUE);
            case 0x89 -> stack.push(Boolean.FALSE);
            case 'K' -> stack.push(number(input.u8())); // BININT1
            case 'M' -> stack.push(number(input.u16())); // BININT2
            case 'J' -> stack.push(number(input.i32())); // BININT
            case 0x8a -> stack.push(input.long1()); // LONG1
            case 0x8b -> stack.push(input.long4()); // LONG4
            case 'G' -> { // BINFLOAT
                budget.chargeValue();
                stack.push(Double.longBitsToDouble(input.i64BigEndian()));
            }
            case 0x8c -> stack.push(input.string(input.u8())); // SHORT_BINUNICODE
            case 'X' -> stack.push(input.string(input.u32())); // BINUNICODE
            case 0x8d -> stack.push(input.string(input.u64())); // BINUNICODE8
            case 'U' -> stack.push(input.string(input.u8())); // SHORT_BINSTRING (Python 2 str, read as UTF-8)
            case 'T' -> stack.push(input.string(input.i32())); // BINSTRING
            case 'C' -> stack.push(input.bytes(input.u8())); // SHORT_BINBYTES
            case 'B' -> stack.push(input.bytes(input.u32())); // BINBYTES
            case 0x8e, 0x96 -> stack.push(input.bytes(input.u64())); // BINBYTES8, BYTEARRAY8
            case 0x98 -> stack.peek(); // READONLY_BUFFER: a no-op on the top item
            case 0x97 -> throw Errors.malformed(FORMAT, "NEXT_BUFFER: out-of-band buffers are not supported");
            default -> {
                return false;
            }
        }
        return true;
    }

    private Long number(long value) {
        budget.chargeValue();
        return value;
    }

    private static RuntimeException unknown(int op, int position) {
        if (op == 'I' || op == 'L' || op == 'S' || op == 'V' || op == 'F') {
            return Errors.malformed(FORMAT, "text opcode '" + (char) op
                    + "' (protocol 0/1) is not supported; Python Sergeant writes protocol 5");
        }
        return Errors.malformed(FORMAT, "unknown opcode 0x" + Integer.toHexString(op) + " at offset " + position);
    }

    private Object finish(Object result) {
        if (result instanceof ObjectOpcodes.PendingTask task) {
            if (task.state() == null) {
                throw Errors.malformed(FORMAT, "the Task has no state (no BUILD)");
            }
            PickleGraph.check(task.state(), 2, limits, budget);
            return TaskFields.fromFields(task.state(), false, clock, FORMAT);
        }
        PickleGraph.check(result, 1, limits, budget);
        return result;
    }
}
