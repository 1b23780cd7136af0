package io.sergeant.core.internal.observe;

import io.sergeant.api.ErrorCode;
import io.sergeant.api.SergeantException;
import io.sergeant.api.observe.SergeantListener;
import io.sergeant.api.observe.SergeantListenerProvider;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.ServiceLoader;
import java.util.TreeMap;

/**
 * Creates the listeners a worker process was asked for: the {@link SergeantListenerProvider}s named in
 * the system property {@value SergeantListenerProvider#ACTIVATION_PROPERTY}, each with its
 * {@code sergeant.<name>.*} settings. Stateless.
 */
public final class ListenerActivation {

    private ListenerActivation() {
    }

    /**
     * The listeners named in {@code properties}; none when the property is absent or blank.
     *
     * @throws SergeantException {@code INVALID_CONFIGURATION} for an unknown name (listing the known
     *         ones), a name given by two providers, or a provider that rejects its settings
     */
    public static List<SergeantListener> fromProperties(Properties properties, ClassLoader loader) {
        String names = properties.getProperty(SergeantListenerProvider.ACTIVATION_PROPERTY, "").trim();
        if (names.isEmpty()) {
            return List.of();
        }
        Map<String, SergeantListenerProvider> providers = new TreeMap<>();
        for (SergeantListenerProvider provider : ServiceLoader.load(SergeantListenerProvider.class, loader)) {
            SergeantListenerProvider previous = providers.put(provider.name(), provider);
            if (previous != null) {
                throw new SergeantException(ErrorCode.INVALID_CONFIGURATION, "two listener providers are named '"
                        + provider.name() + "': " + previous.getClass().getName() + " and " + provider.getClass().getName()
                        + "; remove one jar from the class path");
            }
        }
        List<SergeantListener> listeners = new ArrayList<>();
        for (String name : names.split(",")) {
            String trimmed = name.trim();
            if (trimmed.isEmpty()) {
                continue;
            }
            SergeantListenerProvider provider = providers.get(trimmed);
            if (provider == null) {
                throw new SergeantException(ErrorCode.INVALID_CONFIGURATION, "unknown listener '" + trimmed + "' in "
                        + SergeantListenerProvider.ACTIVATION_PROPERTY + "; known: " + String.join(", ", providers.keySet()));
            }
            try {
                listeners.add(provider.create(settings(properties, trimmed)));
            } catch (IllegalArgumentException e) {
                throw new SergeantException(ErrorCode.INVALID_CONFIGURATION, "listener '" + trimmed + "': " + e.getMessage(), e);
            }
        }
        return listeners;
    }

    private static Map<String, String> settings(Properties properties, String name) {
        String prefix = "sergeant." + name + ".";
        Map<String, String> settings = new LinkedHashMap<>();
        for (String key : properties.stringPropertyNames()) {
            if (key.startsWith(prefix)) {
                settings.put(key.substring(prefix.length()), properties.getProperty(key));
            }
        }
        return settings;
    }
}
