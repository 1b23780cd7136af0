package com.example.greetings;

/** Writes a greeting; bound in {@link AppModule}. Implementations are thread safe. */
public interface Greeter {

    /** The greeting for {@code name}, never null. */
    String greet(String name);
}
