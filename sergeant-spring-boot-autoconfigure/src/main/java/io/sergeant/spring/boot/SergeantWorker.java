package io.sergeant.spring.boot;

import org.springframework.core.annotation.AliasFor;
import org.springframework.stereotype.Component;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks a {@link io.sergeant.api.worker.Worker} class as a Spring bean that the application runs:
 * component scanning picks it up, Spring injects its dependencies, and {@link SergeantWorkers} starts
 * it after the context has started and stops it gracefully when the context closes.
 *
 * <p>{@link #value()} names the queue (the worker's name): it replaces the name of the worker's own
 * {@code config()} when set, and it is the key of the per-worker overrides
 * {@code sergeant.workers.<queue>.*}; it also names the bean (as {@code @Component("queue")} would).
 * A {@code Worker} bean without this annotation runs too, under the name of its {@code config()}.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@Documented
@Component
public @interface SergeantWorker {

    /** The queue this worker consumes, and the bean's name; empty keeps the name of the worker's {@code config()}. */
    @AliasFor(annotation = Component.class, attribute = "value")
    String value() default "";
}
