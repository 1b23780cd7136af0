package com.example.signups;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

/**
 * A Spring Boot application with Sergeant: {@link SignupService} pushes a welcome e-mail task through
 * the auto-configured {@code Broker}, and {@link WelcomeEmailWorker}, a {@code @SergeantWorker} bean,
 * sends it. The backend is {@code sergeant.backend} in application.properties.
 */
@SpringBootApplication
public class SignupsApplication {

    /** Runs the application until it is stopped (Ctrl-C stops the worker gracefully with the context). */
    public static void main(String[] args) {
        SpringApplication.run(SignupsApplication.class, args);
    }
}
