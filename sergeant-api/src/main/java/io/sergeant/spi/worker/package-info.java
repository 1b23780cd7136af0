/**
 * How worker instances are made: {@link io.sergeant.spi.worker.WorkerProvider}, implemented by core
 * for plain constructors and Guice and by {@code sergeant-spring-boot-autoconfigure} for Spring.
 */
package io.sergeant.spi.worker;
