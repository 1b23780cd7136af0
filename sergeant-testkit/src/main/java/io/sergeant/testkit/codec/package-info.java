/**
 * Compatibility suites for serializers and compressors: abstract JUnit 5 classes that encode the
 * contract once; an implementation's test extends them in a few lines. Also helpers for tests that need to see
 * or hold up decoding ({@link io.sergeant.testkit.codec.HookedSerializerFactory}).
 */
package io.sergeant.testkit.codec;
