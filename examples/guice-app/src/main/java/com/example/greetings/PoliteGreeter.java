package com.example.greetings;

import java.util.Objects;

/** {@code Hello, NAME!}. Stateless and thread safe. */
public final class PoliteGreeter implements Greeter {

    @Override
    public String greet(String name) {
        return "Hello, " + Objects.requireNonNull(name, "name is null") + "!";
    }
}
