package com.example.welcome;

/** Where the worker sends e-mails; implementations must be thread safe (tasks run concurrently). */
@FunctionalInterface
public interface Outbox {

    /** Sends one e-mail; throws to make the task fail. */
    void send(String to, String subject);
}
