package io.sergeant.spi;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Declares a plugin factory's name (and, for backends, URI schemes) on the class, so that core can
 * index every discovered factory without instantiating it: discovery is not activation, and only the
 * factory the configuration names is instantiated. The values must equal what the factory's
 * {@code name()} (and {@code schemes()}) return; core checks this when it instantiates the factory.
 * A factory without this annotation still works, but core must instantiate it to learn its name.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.TYPE)
public @interface SergeantPlugin {

    /** The plugin's name, as in the configuration. */
    String name();

    /** The URI schemes a backend serves; empty for other plugin kinds. */
    String[] schemes() default {};
}
