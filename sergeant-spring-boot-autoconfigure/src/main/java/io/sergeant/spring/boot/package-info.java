/**
 * Spring Boot auto-configuration of Sergeant: {@link io.sergeant.spring.boot.SergeantAutoConfiguration}
 * (properties, Broker, worker beans, health), {@link io.sergeant.spring.boot.SergeantWorker} and
 * {@link io.sergeant.spring.boot.SpringWorkerProvider}.
 */
package io.sergeant.spring.boot;
