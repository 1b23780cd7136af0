package io.sergeant.codec.pickle;

import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * The only Python globals the pickle reader understands; any other {@code GLOBAL}/{@code STACK_GLOBAL}
 * is refused with {@code CLASS_NOT_ALLOWED} before anything else happens. Nothing is ever instantiated
 * reflectively: each constant is interpreted by {@link BoundedPickleReader} itself.
 */
enum PyGlobal {
    /** Python Sergeant's task dataclass. */
    TASK("sergeant.objects", "Task"),
    /** {@code datetime.datetime}, read as an {@link java.time.Instant}. */
    DATETIME("datetime", "datetime"),
    /** {@code datetime.timezone}, only as a datetime's tzinfo. */
    TIMEZONE("datetime", "timezone"),
    /** {@code datetime.timedelta}, only as a timezone's offset. */
    TIMEDELTA("datetime", "timedelta"),
    /** How protocol 2 pickles bytes: {@code _codecs.encode(str, 'latin1')}. */
    CODECS_ENCODE("_codecs", "encode"),
    /** How protocol 2 pickles empty bytes: {@code bytes()}. */
    BYTES("builtins", "bytes"),
    /** {@code bytearray}, read as {@code byte[]}. */
    BYTEARRAY("builtins", "bytearray");

    private final String module;
    private final String name;

    PyGlobal(String module, String name) {
        this.module = module;
        this.name = name;
    }

    /** The allowed global, or {@code null}. Python 2 module names are mapped as Python's {@code fix_imports}. */
    static PyGlobal find(String module, String name) {
        String fixed = "__builtin__".equals(module) ? "builtins" : module;
        for (PyGlobal global : values()) {
            if (global.module.equals(fixed) && global.name.equals(name)) {
                return global;
            }
        }
        return null;
    }

    /** The allow-set, for messages. */
    static String allowed() {
        return Arrays.stream(values()).map(PyGlobal::dotted).collect(Collectors.joining(", "));
    }

    String dotted() {
        return module + "." + name;
    }
}
