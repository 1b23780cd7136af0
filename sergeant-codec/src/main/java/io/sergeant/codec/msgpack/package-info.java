/**
 * The {@code msgpack} serializer: Python Sergeant's msgpack layout ({@code __task__}, {@code __datetime__},
 * {@code __tuple__}), written and read by a hand-written, bounded, non-recursive codec.
 */
package io.sergeant.codec.msgpack;
