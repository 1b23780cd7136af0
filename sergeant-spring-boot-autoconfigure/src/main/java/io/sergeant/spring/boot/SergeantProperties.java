package io.sergeant.spring.boot;

import org.springframework.boot.context.properties.ConfigurationProperties;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * The {@code sergeant.*} configuration properties of a Spring Boot application. Every key of a
 * worker configuration can be set (docs/adoption.md lists them); names may be written in Spring's
 * kebab case ({@code max-deliveries}) or camel case ({@code maxDeliveries}):
 *
 * <pre>
 * sergeant.backend=redis://localhost:6379/0
 * sergeant.encoder.serializer=msgpack
 * sergeant.encoder.compressor=zlib
 * sergeant.delivery.mode=at-least-once
 * sergeant.delivery.lease=30s
 * sergeant.executor.kind=thread
 * sergeant.executor.concurrency=4
 * sergeant.config.tasks-per-transaction=100      # any other key of a worker configuration
 * sergeant.workers.emails.executor.concurrency=8 # overrides for the worker of queue 'emails'
 * sergeant.lifecycle.stop-timeout=30s
 * </pre>
 *
 * Precedence, lowest first: the worker's own {@code config()}, then the global keys here, then
 * {@code sergeant.workers.<queue>.*}. The {@code Broker} bean uses the global keys. Unknown keys and
 * bad values fail the application's start-up, all at once, with the key and the accepted values.
 */
@ConfigurationProperties(prefix = "sergeant")
public class SergeantProperties {

    private String backend;
    private Map<String, String> encoder = new LinkedHashMap<>();
    private Map<String, String> delivery = new LinkedHashMap<>();
    private Map<String, String> executor = new LinkedHashMap<>();
    private Map<String, String> config = new LinkedHashMap<>();
    private Map<String, Map<String, String>> workers = new LinkedHashMap<>();
    private final Lifecycle lifecycle = new Lifecycle();

    /** The backend URI of the Broker bean and of every worker; null keeps each worker's own. */
    public String getBackend() {
        return backend;
    }

    /** Sets the backend URI. */
    public void setBackend(String backend) {
        this.backend = backend;
    }

    /** {@code encoder.*} keys: serializer, compressor, option.*. */
    public Map<String, String> getEncoder() {
        return encoder;
    }

    /** Sets the encoder keys. */
    public void setEncoder(Map<String, String> encoder) {
        this.encoder = encoder;
    }

    /** {@code delivery.*} keys: mode, lease, maxDeliveries, reapInterval. */
    public Map<String, String> getDelivery() {
        return delivery;
    }

    /** Sets the delivery keys. */
    public void setDelivery(Map<String, String> delivery) {
        this.delivery = delivery;
    }

    /** {@code executor.*} keys: kind, concurrency, killer, option.*. */
    public Map<String, String> getExecutor() {
        return executor;
    }

    /** Sets the executor keys. */
    public void setExecutor(Map<String, String> executor) {
        this.executor = executor;
    }

    /** Any other worker configuration key, by its full name (tasksPerTransaction, timeouts.timeout, ...). */
    public Map<String, String> getConfig() {
        return config;
    }

    /** Sets the other keys. */
    public void setConfig(Map<String, String> config) {
        this.config = config;
    }

    /** Per-worker overrides, by queue name, each a map of full key names. */
    public Map<String, Map<String, String>> getWorkers() {
        return workers;
    }

    /** Sets the per-worker overrides. */
    public void setWorkers(Map<String, Map<String, String>> workers) {
        this.workers = workers;
    }

    /** How worker beans follow the application's lifecycle. */
    public Lifecycle getLifecycle() {
        return lifecycle;
    }

    /**
     * The global keys as flat worker-configuration properties ({@code backend}, {@code encoder.serializer}, ...),
     * names converted from kebab case.
     */
    public Map<String, String> globalProperties() {
        Map<String, String> flat = new LinkedHashMap<>();
        if (backend != null && !backend.isBlank()) {
            flat.put("backend", backend.trim());
        }
        put(flat, "encoder.", encoder);
        put(flat, "delivery.", delivery);
        put(flat, "executor.", executor);
        put(flat, "", config);
        return flat;
    }

    /** The overrides of the worker of {@code queue}, as flat properties; empty when there are none. */
    public Map<String, String> workerProperties(String queue) {
        Map<String, String> flat = new LinkedHashMap<>();
        put(flat, "", workers.getOrDefault(queue, Map.of()));
        return flat;
    }

    private static void put(Map<String, String> target, String prefix, Map<String, String> source) {
        source.forEach((key, value) -> target.put(prefix + camel(key), value));
    }

    /** {@code max-deliveries} to {@code maxDeliveries}, per dotted segment; option names keep their case. */
    static String camel(String key) {
        StringBuilder out = new StringBuilder(key.length());
        boolean upper = false;
        for (char c : key.toCharArray()) {
            if (c == '-') {
                upper = true;
            } else {
                out.append(upper ? Character.toUpperCase(c) : c);
                upper = false;
            }
        }
        return out.toString();
    }

    /** {@code sergeant.lifecycle.*}. */
    public static class Lifecycle {

        private boolean autoStartup = true;
        private Duration stopTimeout = Duration.ofSeconds(30);

        /** Whether worker beans start with the context (default true). */
        public boolean isAutoStartup() {
            return autoStartup;
        }

        /** Sets whether worker beans start with the context. */
        public void setAutoStartup(boolean autoStartup) {
            this.autoStartup = autoStartup;
        }

        /**
         * How long a closing context waits for workers to finish or hand back their tasks and finalize
         * (default 30s); workers still running then are left to the JVM's exit, their leases to expire.
         */
        public Duration getStopTimeout() {
            return stopTimeout;
        }

        /** Sets the stop timeout. */
        public void setStopTimeout(Duration stopTimeout) {
            this.stopTimeout = stopTimeout;
        }

        @Override
        public String toString() {
            return String.format(Locale.ROOT, "Lifecycle[autoStartup=%s, stopTimeout=%s]", autoStartup, stopTimeout);
        }
    }
}
