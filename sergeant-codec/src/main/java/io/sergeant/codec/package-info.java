/**
 * Sergeant's codec plugins: the serializers {@code msgpack}, {@code pickle} and {@code java} and the
 * compressors {@code zlib}, {@code gzip}, {@code bzip2} and {@code lzma}, each speaking the format
 * Python Sergeant writes. Factories are discovered through {@link java.util.ServiceLoader}.
 *
 * <h2>Decoded Java types (msgpack and pickle)</h2>
 * <ul>
 *   <li>None/nil: {@code null}; bool: {@link java.lang.Boolean}</li>
 *   <li>integers: {@link java.lang.Long}; values beyond the {@code long} range: {@link java.math.BigInteger}</li>
 *   <li>floats (msgpack float32 and float64, pickle BINFLOAT): {@link java.lang.Double}</li>
 *   <li>str: {@link java.lang.String}; bytes (and pickle bytearray): {@code byte[]}</li>
 *   <li>list/array: a mutable {@link java.util.ArrayList}; dict/map: a mutable {@link java.util.LinkedHashMap}
 *       in wire order (owned by the caller)</li>
 *   <li>tuple ({@code __tuple__} or pickle tuples): an unmodifiable {@link java.util.List}; tuple-ness is lost,
 *       it is written back as a list</li>
 *   <li>datetime ({@code __datetime__} or pickled {@code datetime.datetime}): {@link java.time.Instant};
 *       naive datetimes are read in the zone of {@link io.sergeant.spi.PluginContext#clock()}</li>
 * </ul>
 */
package io.sergeant.codec;
