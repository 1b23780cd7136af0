/**
 * The {@code pickle} serializer: reads Python pickles (protocols 2 to 5) of {@code sergeant.objects.Task}
 * and writes pickles that Python unpickles back into one, with a hand-written, bounded reader that never
 * instantiates a class: only an explicit allow-set of globals is understood.
 */
package io.sergeant.codec.pickle;
