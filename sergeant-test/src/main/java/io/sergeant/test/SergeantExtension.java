package io.sergeant.test;

import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * A JUnit 5 extension that hands each test a fresh {@link SergeantTester}: an in-memory queue store
 * of its own, a broker to push with, and {@link SergeantTester#run} to run a worker synchronously until
 * its queue is empty. No server, no file; everything is dropped after the test.
 *
 * <pre>{@code
 * @ExtendWith(SergeantExtension.class)
 * class WelcomeEmailWorkerTest {
 *     @Test
 *     void sendsTheWelcomeEmail(SergeantTester sergeant) {
 *         FakeOutbox outbox = new FakeOutbox();
 *         WelcomeEmailWorker worker = new WelcomeEmailWorker(outbox);
 *         sergeant.push(worker, Map.of("email", "ada@example.com"));
 *
 *         sergeant.run(worker);
 *
 *         assertThat(outbox.sent()).containsExactly("ada@example.com");
 *     }
 * }
 * }</pre>
 */
public final class SergeantExtension implements ParameterResolver, AfterEachCallback {

    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(SergeantExtension.class);

    /** Created by JUnit. */
    public SergeantExtension() {
    }

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        return parameter.getParameter().getType() == SergeantTester.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        return context.getStore(NAMESPACE).getOrComputeIfAbsent(SergeantTester.class,
                key -> new SergeantTester(context.getUniqueId()), SergeantTester.class);
    }

    @Override
    public void afterEach(ExtensionContext context) {
        SergeantTester tester = context.getStore(NAMESPACE).remove(SergeantTester.class, SergeantTester.class);
        if (tester != null) {
            tester.close();
        }
    }
}
