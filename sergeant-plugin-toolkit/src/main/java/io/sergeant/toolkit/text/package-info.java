/**
 * Text helpers shared by the worker and the command line: escaping outside text for log lines.
 */
package io.sergeant.toolkit.text;
