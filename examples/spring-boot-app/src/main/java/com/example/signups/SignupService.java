package com.example.signups;

import io.sergeant.api.Broker;
import org.springframework.stereotype.Service;

import java.util.Map;

/** Registers users; the welcome e-mail is sent later, by {@link WelcomeEmailWorker}. */
@Service
public class SignupService {

    private final Broker broker;

    /** Spring injects the Broker that the Sergeant starter configured from {@code sergeant.*}. */
    public SignupService(Broker broker) {
        this.broker = broker;
    }

    /** Signs a user up and queues the welcome e-mail. */
    public void signUp(String email) {
        broker.pushTask(WelcomeEmailWorker.QUEUE, Map.of("email", email));
    }
}
