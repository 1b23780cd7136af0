package io.sergeant.cli;

import io.sergeant.api.Broker;
import io.sergeant.api.config.WorkerConfig;
import io.sergeant.core.Sergeant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code sergeant dashboard} serves the dashboard over the backend until its thread is interrupted. */
class DashboardCommandTest {

    @TempDir
    Path directory;

    @Test
    void servesTheQueuesOfTheBackendReadOnlyUntilInterrupted() throws Exception {
        String backend = "sqlite:" + directory.resolve("queue.db");
        try (Broker broker = Sergeant.create().broker(WorkerConfig.builder("jobs").backend(backend).build())) {
            broker.pushTask("emails", Map.of("to", "ann@example.com"));
        }
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        AtomicInteger exit = new AtomicInteger(-1);
        Thread command = new Thread(() -> exit.set(SergeantCommand.execute(new String[] {"dashboard", "--backend", backend,
                "--port", "0", "--read-only"}, new PrintWriter(out, true), new PrintWriter(err, true))));
        command.start();
        try {
            String url = awaitUrl(out, err);
            HttpClient client = HttpClient.newHttpClient();
            HttpResponse<String> queues = client.send(HttpRequest.newBuilder(URI.create(url + "api/queues")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(queues.statusCode()).isEqualTo(200);
            assertThat(queues.body()).contains("\"queue\":\"emails\"").contains("\"ready\":1").contains("\"readOnly\":true");
            assertThat(out.toString()).contains("read-only").startsWith("Sergeant dashboard on http://127.0.0.1:");
        } finally {
            command.interrupt();
            command.join(10_000);
        }
        assertThat(command.isAlive()).isFalse();
        assertThat(exit.get()).as(err.toString()).isZero();
    }

    @Test
    void tokenAndBasicAuthExcludeEachOtherAndAMissingDatabaseIsNotCreated() {
        CommandRun both = CommandRun.of("dashboard", "--backend", "sqlite:" + directory.resolve("q.db"), "--token", "t",
                "--basic-auth", "a:b");
        assertThat(both.exitCode()).isEqualTo(2);
        assertThat(both.err()).contains("mutually exclusive");

        CommandRun missing = CommandRun.of("dashboard", "--backend", "sqlite:" + directory.resolve("none.db"), "--port", "0");
        assertThat(missing.exitCode()).isNotZero();
        assertThat(missing.err()).contains("no SQLite database");
        assertThat(Files.exists(directory.resolve("none.db"))).isFalse();
    }

    @Test
    void aNegativeKwargsCapIsAUsageError() {
        CommandRun run = CommandRun.of("dashboard", "--backend", "sqlite:" + directory.resolve("q.db"), "--port", "0",
                "--kwargs-max-bytes", "-1");
        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err()).contains("--kwargs-max-bytes must not be negative, got -1");
    }

    @Test
    void aClassPathEntryThatDoesNotExistIsAConfigurationErrorNamingIt() {
        Path missingJar = directory.resolve("no-such-plugin.jar");
        CommandRun run = CommandRun.of("dashboard", "--classpath", missingJar.toString(), "--backend",
                "sqlite:" + directory.resolve("q.db"), "--port", "0");
        assertThat(run.exitCode()).isNotZero();
        assertThat(run.err()).contains(missingJar.toString());
    }

    private static String awaitUrl(StringWriter out, StringWriter err) throws InterruptedException {
        Pattern url = Pattern.compile("on (http://\\S+/) ");
        Instant deadline = Instant.now().plus(Duration.ofSeconds(30));
        while (Instant.now().isBefore(deadline)) {
            Matcher matcher = url.matcher(out.toString());
            if (matcher.find()) {
                return matcher.group(1);
            }
            Thread.sleep(20);
        }
        throw new AssertionError("the dashboard did not print its address; out: " + out + " err: " + err);
    }
}
