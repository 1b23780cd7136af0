package io.sergeant.codec.pickle;

import io.sergeant.api.SergeantException;
import io.sergeant.codec.support.DecodeBudget;
import io.sergeant.codec.support.Errors;

import java.util.Arrays;

/**
 * The pickle machine's working memory: the value stack, the mark stack and the memo. The stacks are
 * limited to {@code maxStack} entries and the memo to one slot per payload byte; every slot they grow by
 * is charged to the payload's {@link DecodeBudget}. One instance per payload; not thread safe.
 */
final class PickleStack {

    private static final String FORMAT = PickleInput.FORMAT;
    private static final Object NONE_IN_MEMO = new Object();

    private final int maxStack;
    private final int maxMemo;
    private final DecodeBudget budget;

    private Object[] stack = new Object[32];
    private int sp;
    private int[] marks = new int[8];
    private int mp;
    private Object[] memo = new Object[16];
    private int memoSize;

    PickleStack(int maxStack, int maxMemo, DecodeBudget budget) {
        this.maxStack = maxStack;
        this.maxMemo = maxMemo;
        this.budget = budget;
    }

    // ---- value stack -----------------------------------------------------------------------------

    void push(Object value) {
        if (sp == stack.length) {
            if (sp >= maxStack) {
                throw Errors.collectionTooLarge(FORMAT, "stack of items", sp + 1L, maxStack, "the stack limit");
            }
            int grown = (int) Math.min(maxStack, stack.length * 2L);
            budget.charge(0, (grown - stack.length) * DecodeBudget.SLOT_BYTES);
            stack = Arrays.copyOf(stack, grown);
        }
        stack[sp++] = value;
    }

    Object pop() {
        if (sp <= base()) {
            throw underflow();
        }
        Object value = stack[--sp];
        stack[sp] = null;
        return value;
    }

    Object peek() {
        if (sp <= base()) {
            throw underflow();
        }
        return stack[sp - 1];
    }

    /** The item just below a popped mark: the list or dict that APPENDS/SETITEMS fill. */
    Object below(int markedStart) {
        if (markedStart <= base()) {
            throw underflow();
        }
        return stack[markedStart - 1];
    }

    /** The item at absolute index {@code index} (between a popped mark and the top). */
    Object at(int index) {
        return stack[index];
    }

    /** The stack height. */
    int size() {
        return sp;
    }

    /** The items from {@code start} to the top, removed from the stack. */
    Object[] popFrom(int start) {
        if (start < base()) {
            throw underflow();
        }
        Object[] items = Arrays.copyOfRange(stack, start, sp);
        truncate(start);
        return items;
    }

    void truncate(int newSize) {
        Arrays.fill(stack, newSize, sp, null);
        sp = newSize;
    }

    // ---- marks -----------------------------------------------------------------------------------

    void pushMark() {
        if (mp == marks.length) {
            if (mp >= maxStack) {
                throw Errors.collectionTooLarge(FORMAT, "mark stack of", mp + 1L, maxStack, "the stack limit");
            }
            int grown = (int) Math.min(maxStack, marks.length * 2L);
            budget.charge(0, (grown - marks.length) * 4L);
            marks = Arrays.copyOf(marks, grown);
        }
        marks[mp++] = sp;
    }

    int popMark() {
        if (mp == 0) {
            throw Errors.malformed(FORMAT, "an opcode needs a MARK but there is none");
        }
        return marks[--mp];
    }

    /** POP: removes the top item, or the mark if the current frame is empty. */
    void popItemOrMark() {
        if (mp > 0 && marks[mp - 1] == sp) {
            mp--;
        } else {
            pop();
        }
    }

    private int base() {
        return mp == 0 ? 0 : marks[mp - 1];
    }

    static SergeantException underflow() {
        return Errors.malformed(FORMAT, "the pickle stack underflows");
    }

    // ---- memo ------------------------------------------------------------------------------------

    /** MEMOIZE: stores the top item under the next free index. */
    void memoize() {
        memoPut(memoSize, peek());
    }

    /** PUT, BINPUT, LONG_BINPUT: stores the top item under {@code index}. */
    void memoPut(long index) {
        memoPut(index, peek());
    }

    private void memoPut(long index, Object value) {
        if (index < 0 || index >= maxMemo) {
            throw Errors.malformed(FORMAT, "memo index " + index + " is out of range for a payload of " + maxMemo + " bytes");
        }
        int i = (int) index;
        if (i >= memo.length) {
            int grown = (int) Math.min(maxMemo, Math.max(i + 1L, memo.length * 2L));
            budget.charge(0, (grown - memo.length) * DecodeBudget.SLOT_BYTES);
            memo = Arrays.copyOf(memo, grown);
        }
        if (memo[i] == null) {
            memoSize++;
        }
        memo[i] = value == null ? NONE_IN_MEMO : value;
    }

    /** GET, BINGET, LONG_BINGET: the item stored under {@code index}. */
    Object memoGet(long index) {
        Object value = index >= 0 && index < memo.length ? memo[(int) index] : null;
        if (value == null) {
            throw Errors.malformed(FORMAT, "memo index " + index + " was never stored");
        }
        return value == NONE_IN_MEMO ? null : value;
    }
}
