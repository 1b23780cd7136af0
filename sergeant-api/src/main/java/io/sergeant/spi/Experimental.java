package io.sergeant.spi;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks an SPI type or method that may still change incompatibly in a minor release: a plugin that
 * implements it may have to adapt when it upgrades. Everything in the SPI that is not marked follows
 * the evolution rule of {@link io.sergeant.spi.backend.Backend}: new methods arrive as default methods,
 * and existing ones keep their meaning.
 *
 * @since 0.1
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.TYPE, ElementType.METHOD})
public @interface Experimental {

    /** Why it is experimental and what may change. */
    String value() default "";
}
