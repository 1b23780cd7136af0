/**
 * The {@code java} serializer: JDK serialization behind a mandatory class allow-list
 * ({@code java.allow}) enforced before any class is loaded or any {@code readObject} runs, plus the
 * depth, array-length and size bounds of the decode limits.
 */
package io.sergeant.codec.java;
