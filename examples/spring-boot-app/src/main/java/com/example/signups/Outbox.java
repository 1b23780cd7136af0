package com.example.signups;

import org.springframework.stereotype.Component;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** Where e-mails go (a real application would talk to its mail service here). */
@Component
public class Outbox {

    private final List<String> sent = new CopyOnWriteArrayList<>();

    /** Sends one e-mail. */
    public void send(String to, String text) {
        sent.add(to + ": " + text);
    }

    /** Every e-mail sent so far. */
    public List<String> sent() {
        return List.copyOf(sent);
    }
}
