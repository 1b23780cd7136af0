package io.sergeant.backend.redis;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.UnifiedJedis;

import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Proves which Jedis a test execution runs on: the build runs a smoke subset of this module's
 * tests once per supported Jedis line (see the module's pom), and without this check a
 * misconfigured execution would silently test Jedis 8 three times.
 */
class JedisVersionTest {

    @Test
    @DisplayName("the Jedis on the test class path is the one this execution was configured with")
    void runsOnTheExpectedJedis() throws Exception {
        String expected = System.getProperty("sergeant.test.jedis.version");
        assertThat(expected).as("system property sergeant.test.jedis.version (set by the pom)").isNotBlank();
        Path jar = Path.of(UnifiedJedis.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        assertThat(jar.getFileName().toString()).isEqualTo("jedis-" + expected + ".jar");
    }

}
