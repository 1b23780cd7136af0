package io.sergeant.api.observe;

import java.util.Map;

/**
 * Creates a {@link SergeantListener} in a worker process started by the {@code sergeant} command,
 * where no code of the user builds the runtime. Listed in
 * {@code META-INF/services/io.sergeant.api.observe.SergeantListenerProvider}; discovery is not
 * activation: a provider is used only when its {@link #name()} is in the comma-separated system
 * property {@code sergeant.listeners}, for example {@code -Dsergeant.listeners=prometheus,opentelemetry}.
 *
 * <p>Implementations have a public no-argument constructor and are thread safe.
 */
public interface SergeantListenerProvider {

    /** The system property naming the providers to activate, comma separated. */
    String ACTIVATION_PROPERTY = "sergeant.listeners";

    /** The name that activates this provider: lower case, unique among installed providers. */
    String name();

    /**
     * Creates the listener, once per process.
     *
     * @param settings the system properties {@code sergeant.<name>.<key>}, keyed by {@code <key>}
     * @throws IllegalArgumentException for a bad setting, naming it and what to give instead
     */
    SergeantListener create(Map<String, String> settings);
}
