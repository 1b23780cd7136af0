package com.example.signups;

import de.bwaldvogel.mongo.MongoServer;
import de.bwaldvogel.mongo.backend.memory.MemoryBackend;
import io.sergeant.testkit.servers.RedisServerProcess;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.boot.SpringBootVersion;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

import java.nio.file.Path;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The application on this module's Spring Boot line, once per backend (SQLite file, a real
 * redis-server, an in-process MongoDB wire server): signups become welcome e-mails through the Broker
 * bean and the {@code @SergeantWorker} bean, the health indicator is UP, and closing the context stops
 * the worker gracefully. Also checks that the libraries that ran are the ones this Boot line manages.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SignupsApplicationTest {

    private static final int SIGNUPS = 200;

    @TempDir
    Path dir;

    private RedisServerProcess redis;
    private MongoServer mongo;

    @BeforeAll
    void servers() {
        redis = RedisServerProcess.start();
        mongo = new MongoServer(new MemoryBackend());
        mongo.bind("127.0.0.1", 0);
    }

    @AfterAll
    void stopServers() {
        if (redis != null) {
            redis.close();
        }
        if (mongo != null) {
            mongo.shutdownNow();
        }
    }

    @Test
    @DisplayName("runs on the Spring Boot line of this build, with the Jedis, MongoDB driver and sqlite-jdbc it manages")
    void librariesAreTheOnesBootManages() throws Exception {
        assertThat(SpringBootVersion.getVersion()).isEqualTo(System.getProperty("expected.boot"));
        assertThat(jarOf(redis.clients.jedis.UnifiedJedis.class)).isEqualTo("jedis-" + System.getProperty("expected.jedis") + ".jar");
        assertThat(jarOf(com.mongodb.client.MongoClient.class))
                .isEqualTo("mongodb-driver-sync-" + System.getProperty("expected.mongodb") + ".jar");
        assertThat(jarOf(org.sqlite.JDBC.class)).isEqualTo("sqlite-jdbc-" + System.getProperty("expected.sqlite") + ".jar");
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"sqlite", "redis", "mongodb"})
    @DisplayName("signups become welcome e-mails; health is UP; the worker stops with the context")
    void signupsBecomeWelcomeEmails(String backend) throws Exception {
        String uri = switch (backend) {
            case "sqlite" -> "sqlite:" + dir.resolve("signups.db");
            case "redis" -> redis.uri();
            default -> "mongodb://127.0.0.1:" + mongo.getLocalAddress().getPort();
        };
        WelcomeEmailWorker worker;
        try (ConfigurableApplicationContext context = new SpringApplicationBuilder(SignupsApplication.class)
                .web(WebApplicationType.NONE)
                .properties("sergeant.backend=" + uri, "spring.main.banner-mode=off")
                .run()) {
            SignupService signups = context.getBean(SignupService.class);
            for (int i = 0; i < SIGNUPS; i++) {
                signups.signUp(backend + "-user" + i + "@example.com");
            }
            Outbox outbox = context.getBean(Outbox.class);
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (outbox.sent().size() < SIGNUPS && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertThat(outbox.sent()).hasSize(SIGNUPS).contains(backend + "-user0@example.com: Welcome aboard!",
                    backend + "-user199@example.com: Welcome aboard!");
            assertThat(healthStatus(context)).isEqualTo("UP");
            worker = context.getBean(WelcomeEmailWorker.class);
            assertThat(worker.lifecycle()).containsExactly("initialize");
        }
        assertThat(worker.lifecycle()).containsExactly("initialize", "finalize");
    }

    /** The status of the sergeant health indicator, through whichever health API this Boot line has. */
    private static String healthStatus(ConfigurableApplicationContext context) throws Exception {
        Object indicator = context.getBean("sergeantHealthIndicator");
        Object health = indicator.getClass().getMethod("health").invoke(indicator);
        return String.valueOf(health.getClass().getMethod("getStatus").invoke(health));
    }

    private static String jarOf(Class<?> type) throws Exception {
        return Path.of(type.getProtectionDomain().getCodeSource().getLocation().toURI()).getFileName().toString();
    }
}
