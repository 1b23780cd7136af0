/** The option rules every plugin keeps: unknown keys refused with a "did you mean", one naming style. */
package io.sergeant.testkit.options;
