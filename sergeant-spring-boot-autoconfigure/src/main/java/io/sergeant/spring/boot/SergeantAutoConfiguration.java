package io.sergeant.spring.boot;

import io.sergeant.api.Broker;
import io.sergeant.api.config.WorkerConfig;
import io.sergeant.api.observe.SergeantListener;
import io.sergeant.api.worker.Worker;
import io.sergeant.core.Sergeant;
import io.sergeant.core.config.WorkerConfigProperties;
import io.sergeant.spi.backend.BackendFactory;
import io.sergeant.spi.codec.CompressorFactory;
import io.sergeant.spi.codec.SerializerFactory;
import io.sergeant.spi.execution.ExecutorFactory;
import io.sergeant.spi.execution.KillerFactory;
import io.sergeant.spi.worker.WorkerProvider;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import java.util.ArrayList;
import java.util.List;

/**
 * Auto-configuration of Sergeant for Spring Boot 3.5 and 4.0 (on unless {@code sergeant.enabled=false}):
 * <ul>
 *   <li>{@link Sergeant}, over the plugins found by {@code ServiceLoader} plus every plugin factory
 *       bean of the context ({@code BackendFactory}, {@code SerializerFactory}, ...; a bean replaces
 *       a discovered factory of the same name, so plugins can have injected dependencies), reporting
 *       to every {@link SergeantListener} bean (Micrometer meters, tracing);</li>
 *   <li>a {@link Broker} for the {@code sergeant.*} backend and encoder, closed with the context;</li>
 *   <li>a {@link WorkerProvider} that makes workers from the context ({@link SpringWorkerProvider});</li>
 *   <li>{@link SergeantWorkers}, which runs every {@link Worker} bean (see {@link SergeantWorker});</li>
 *   <li>a health indicator {@code sergeant} when Spring Boot Actuator is present;</li>
 *   <li>a {@code SergeantMetrics} listener (module sergeant-micrometer: task, push, pop and decode meters
 *       named {@code sergeant.*}) on the context's {@code MeterRegistry} when sergeant-micrometer is on the
 *       class path and the application has a {@code MeterRegistry} bean (Actuator's, or its own).</li>
 * </ul>
 * Every bean backs off when the application defines its own.
 */
@AutoConfiguration(afterName = {
        // Boot 3.x and 4.x homes of the auto-configuration that makes the MeterRegistry bean.
        "org.springframework.boot.actuate.autoconfigure.metrics.CompositeMeterRegistryAutoConfiguration",
        "org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration"})
@ConditionalOnClass(Sergeant.class)
@ConditionalOnProperty(prefix = "sergeant", name = "enabled", havingValue = "true", matchIfMissing = true)
@EnableConfigurationProperties(SergeantProperties.class)
public class SergeantAutoConfiguration {

    /** The name of the configuration behind the Broker bean (its queue name does not matter to a broker). */
    static final String BROKER_CONFIG_NAME = "sergeant";

    /** Created by Spring. */
    public SergeantAutoConfiguration() {
    }

    /** Sergeant over the discovered plugins and the context's plugin factory beans, with the listener beans. */
    @Bean
    @ConditionalOnMissingBean
    public Sergeant sergeant(ObjectProvider<BackendFactory> backends, ObjectProvider<SerializerFactory> serializers,
                             ObjectProvider<CompressorFactory> compressors, ObjectProvider<ExecutorFactory> executors,
                             ObjectProvider<KillerFactory> killers, ObjectProvider<SergeantListener> listeners) {
        List<Object> factories = new ArrayList<>();
        backends.orderedStream().forEach(factories::add);
        serializers.orderedStream().forEach(factories::add);
        compressors.orderedStream().forEach(factories::add);
        executors.orderedStream().forEach(factories::add);
        killers.orderedStream().forEach(factories::add);
        Sergeant sergeant = factories.isEmpty() ? Sergeant.create() : Sergeant.create(factories);
        return sergeant.withListeners(listeners.orderedStream().toArray(SergeantListener[]::new));
    }

    /**
     * The configuration of the Broker bean: the defaults with the global {@code sergeant.*} keys on top.
     *
     * @throws io.sergeant.api.SergeantException listing every bad key and value
     */
    @Bean
    @ConditionalOnMissingBean(name = "sergeantBrokerConfig")
    public WorkerConfig sergeantBrokerConfig(Sergeant sergeant, SergeantProperties properties) {
        return sergeant.validate(WorkerConfigProperties.apply(WorkerConfig.builder(BROKER_CONFIG_NAME).build(),
                properties.globalProperties()));
    }

    /** A Broker for the configured backend and encoder; the context closes it. */
    @Bean(destroyMethod = "close")
    @ConditionalOnMissingBean
    public Broker sergeantBroker(Sergeant sergeant, WorkerConfig sergeantBrokerConfig) {
        return sergeant.broker(sergeantBrokerConfig);
    }

    /** Workers made by the application context. */
    @Bean
    @ConditionalOnMissingBean
    public WorkerProvider sergeantWorkerProvider(ConfigurableListableBeanFactory beans) {
        return new SpringWorkerProvider(beans);
    }

    /** Runs the context's worker beans with the context's lifecycle. */
    @Bean
    @ConditionalOnMissingBean
    public SergeantWorkers sergeantWorkers(Sergeant sergeant, ObjectProvider<Worker> workers, SergeantProperties properties) {
        return new SergeantWorkers(sergeant, workers.orderedStream().toList(), properties);
    }

    /** The {@code sergeant} health indicator on Spring Boot 3.x Actuator. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(name = "org.springframework.boot.actuate.health.HealthIndicator")
    static class Boot3Health {

        @Bean
        @ConditionalOnMissingBean(name = "sergeantHealthIndicator")
        Boot3HealthIndicator sergeantHealthIndicator(SergeantWorkers workers, Broker broker) {
            return new Boot3HealthIndicator(new SergeantHealth(workers, broker));
        }
    }

    /** The {@code sergeant} health indicator on Spring Boot 4.x (spring-boot-health). */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(name = "org.springframework.boot.health.contributor.HealthIndicator")
    static class Boot4Health {

        @Bean
        @ConditionalOnMissingBean(name = "sergeantHealthIndicator")
        Boot4HealthIndicator sergeantHealthIndicator(SergeantWorkers workers, Broker broker) {
            return new Boot4HealthIndicator(new SergeantHealth(workers, broker));
        }
    }

    /** Micrometer meters of every task, push and pop, when sergeant-micrometer and a MeterRegistry bean are there. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(name = {"io.sergeant.micrometer.SergeantMetrics", "io.micrometer.core.instrument.MeterRegistry"})
    static class Metrics {

        @Bean(destroyMethod = "close")
        @ConditionalOnMissingBean
        @ConditionalOnBean(io.micrometer.core.instrument.MeterRegistry.class)
        io.sergeant.micrometer.SergeantMetrics sergeantMetrics(io.micrometer.core.instrument.MeterRegistry registry) {
            return new io.sergeant.micrometer.SergeantMetrics(registry);
        }
    }
}
