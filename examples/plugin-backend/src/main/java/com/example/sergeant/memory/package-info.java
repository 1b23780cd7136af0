/**
 * An in-memory Sergeant backend, written as a third-party plugin: URIs {@code memory:NAME}, one
 * JVM-wide store per name. It shows how small a plugin can start: it plays the queue role
 * ({@link io.sergeant.spi.backend.Backend}: priorities, delayed tasks, at-most-once pops) plus the key
 * and lock roles, and nothing else, so core runs its workers in delivery mode at-most-once and says
 * clearly that at-least-once needs the lease role. docs/adoption.md shows how to add a role.
 * Nothing survives the JVM: use it for unit tests and single-JVM tools, not between processes.
 */
package com.example.sergeant.memory;
