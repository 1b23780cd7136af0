/**
 * Test support for applications: {@link io.sergeant.test.SergeantExtension} and
 * {@link io.sergeant.test.SergeantTester} run workers synchronously on the in-memory backend of
 * {@link io.sergeant.test.memory}.
 */
package io.sergeant.test;
