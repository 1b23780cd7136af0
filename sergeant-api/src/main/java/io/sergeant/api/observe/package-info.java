/**
 * The observation hook: what a producer and a worker do, published to {@link io.sergeant.api.observe.SergeantListener}s.
 *
 * <p>Core calls listeners; it knows no metric or tracing library. The {@code sergeant-micrometer} module
 * turns the events into Micrometer meters and {@code sergeant-opentelemetry} into spans; any other
 * metric or tracing system plugs in the same way, by implementing the listener. docs/observability.md
 * lists the events and what the shipped listeners make of them.
 */
package io.sergeant.api.observe;
