package io.sergeant.spring.boot;

import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;

import java.util.Objects;

/** The {@code sergeant} health indicator for Spring Boot 4.x ({@code spring-boot-health}); see {@link SergeantHealth}. */
public final class Boot4HealthIndicator implements HealthIndicator {

    private final SergeantHealth health;

    /** Reports {@code health}. */
    public Boot4HealthIndicator(SergeantHealth health) {
        this.health = Objects.requireNonNull(health, "health is null");
    }

    @Override
    public Health health() {
        SergeantHealth.Report report = health.check();
        return (report.up() ? Health.up() : Health.down()).withDetails(report.details()).build();
    }
}
