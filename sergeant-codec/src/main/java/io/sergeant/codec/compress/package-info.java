/**
 * The compressors {@code zlib}, {@code gzip}, {@code bzip2} and {@code lzma} (the .xz container), each
 * writing what Python's {@code zlib.compress}, {@code gzip.compress}, {@code bz2.compress} and
 * {@code lzma.compress} write, and each decompressing in bounded memory.
 */
package io.sergeant.codec.compress;
