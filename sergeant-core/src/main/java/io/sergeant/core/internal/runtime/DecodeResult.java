package io.sergeant.core.internal.runtime;

import io.sergeant.api.SergeantException;
import io.sergeant.api.Task;

import java.util.Objects;

/** What decoding one popped payload gave: its task, or the error that rejected it. Immutable. */
public sealed interface DecodeResult {

    /** A payload that decoded to {@code task}. */
    record Decoded(Task task) implements DecodeResult {
        /** Throws {@link NullPointerException} for a null task. */
        public Decoded {
            Objects.requireNonNull(task, "task is null");
        }
    }

    /** A payload that cannot be decoded, for the reason {@code error}; it goes to the dead letters. */
    record Rejected(SergeantException error) implements DecodeResult {
        /** Throws {@link NullPointerException} for a null error. */
        public Rejected {
            Objects.requireNonNull(error, "error is null");
        }

        /** The dead-letter reason: {@code undecodable payload: CODE: message}. */
        public String reason() {
            return "undecodable payload: " + error.code() + ": " + error.getMessage();
        }
    }
}
