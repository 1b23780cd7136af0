/**
 * Python Sergeant's own encoded tasks (interop fixtures), read from the class path by the codec's and the
 * backends' interop tests.
 */
package io.sergeant.testkit.interop;
