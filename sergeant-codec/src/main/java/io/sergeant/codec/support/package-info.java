/**
 * Helpers shared by the codec plugins (buffers, strict UTF-8, Python datetime rules, option and error
 * helpers). Internal to {@code sergeant-codec}: not an API, may change in any release.
 */
package io.sergeant.codec.support;
