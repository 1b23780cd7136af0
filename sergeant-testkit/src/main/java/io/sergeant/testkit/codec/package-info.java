/**
 * Compatibility suites for serializers and compressors: abstract JUnit 5 classes that encode the
 * contract once; an implementation's test extends them in a few lines.
 */
package io.sergeant.testkit.codec;
