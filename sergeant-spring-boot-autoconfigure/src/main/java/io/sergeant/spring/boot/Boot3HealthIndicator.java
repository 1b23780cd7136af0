package io.sergeant.spring.boot;

import org.springframework.boot.actuate.health.Health;
import org.springframework.boot.actuate.health.HealthIndicator;

import java.util.Objects;

/** The {@code sergeant} health indicator for Spring Boot 3.x Actuator; see {@link SergeantHealth}. */
public final class Boot3HealthIndicator implements HealthIndicator {

    private final SergeantHealth health;

    /** Reports {@code health}. */
    public Boot3HealthIndicator(SergeantHealth health) {
        this.health = Objects.requireNonNull(health, "health is null");
    }

    @Override
    public Health health() {
        SergeantHealth.Report report = health.check();
        return (report.up() ? Health.up() : Health.down()).withDetails(report.details()).build();
    }
}
