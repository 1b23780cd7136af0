package io.sergeant.spring.boot;

import io.sergeant.api.Broker;
import io.sergeant.api.SergeantException;
import io.sergeant.api.Task;
import io.sergeant.api.config.WorkerConfig;
import io.sergeant.api.worker.Worker;
import io.sergeant.core.worker.WorkerFactory;
import io.sergeant.core.Sergeant;
import io.sergeant.spi.worker.WorkerProvider;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The auto-configuration in a real Spring Boot application context on the embedded SQLite backend. */
class SergeantAutoConfigurationTest {

    @TempDir
    Path dir;

    @Test
    @DisplayName("a @SergeantWorker bean with injected dependencies runs tasks pushed through the Broker bean and stops with the context")
    void workerBeanRunsAndStopsWithTheContext() throws Exception {
        Journal journal;
        SergeantWorkers workers;
        try (ConfigurableApplicationContext context = start(App.class,
                "sergeant.backend=sqlite:" + dir.resolve("app.db"),
                "sergeant.config.poll-interval=50ms",
                "sergeant.workers.greetings.executor.concurrency=2")) {
            journal = context.getBean(Journal.class);
            workers = context.getBean(SergeantWorkers.class);
            Broker broker = context.getBean(Broker.class);
            for (int i = 0; i < 20; i++) {
                broker.pushTask("greetings", Map.of("name", "n" + i));
            }
            awaitSize(journal.greeted, 20);
            assertThat(workers.states()).containsEntry("greetings", SergeantWorkers.State.RUNNING);
            GreetingWorker worker = context.getBean(GreetingWorker.class);
            assertThat(workers.configurationOf(worker).executor().concurrency()).isEqualTo(2);
            assertThat(workers.configurationOf(worker).backend()).isEqualTo("sqlite:" + dir.resolve("app.db"));
            assertThat(new SergeantHealth(workers, broker).check().up()).isTrue();
        }
        assertThat(journal.greeted).hasSize(20).contains("hello n0", "hello n19");
        assertThat(journal.lifecycle).containsExactly("initialize", "finalize");
        assertThat(workers.states()).containsEntry("greetings", SergeantWorkers.State.STOPPED);
        assertThat(workers.isRunning()).isFalse();
    }

    @Test
    @DisplayName("with a MeterRegistry bean, the SergeantMetrics listener is registered and counts the tasks; "
            + "the sergeant health indicator reports UP")
    void micrometerAndHealth() throws Exception {
        try (ConfigurableApplicationContext context = start(MeteredApp.class,
                "sergeant.backend=sqlite:" + dir.resolve("metered.db"),
                "sergeant.config.poll-interval=50ms")) {
            Journal journal = context.getBean(Journal.class);
            io.micrometer.core.instrument.MeterRegistry registry =
                    context.getBean(io.micrometer.core.instrument.MeterRegistry.class);
            assertThat(context.getBeansOfType(io.sergeant.micrometer.SergeantMetrics.class)).hasSize(1);
            Broker broker = context.getBean(Broker.class);
            for (int i = 0; i < 3; i++) {
                broker.pushTask("greetings", Map.of("name", "m" + i));
            }
            awaitSize(journal.greeted, 3);
            assertThat(registry.find("sergeant.tasks.pushed").counters().stream()
                    .mapToDouble(io.micrometer.core.instrument.Counter::count).sum()).isEqualTo(3);
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (registry.find("sergeant.task.duration").timers().stream().mapToLong(io.micrometer.core.instrument.Timer::count)
                    .sum() < 3 && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertThat(registry.find("sergeant.task.duration").timers().stream()
                    .mapToLong(io.micrometer.core.instrument.Timer::count).sum()).isEqualTo(3);
            Object health = context.getBean("sergeantHealthIndicator");
            assertThat(((org.springframework.boot.actuate.health.HealthIndicator) health).health().getStatus())
                    .isEqualTo(org.springframework.boot.actuate.health.Status.UP);
        }
    }

    @Test
    @DisplayName("without a MeterRegistry bean no metrics listener is made")
    void noRegistryNoMetrics() {
        try (ConfigurableApplicationContext context = start(App.class, "sergeant.backend=sqlite:" + dir.resolve("plain.db"))) {
            assertThat(context.getBeansOfType(io.micrometer.core.instrument.MeterRegistry.class)).isEmpty();
            assertThat(context.getBeansOfType(io.sergeant.micrometer.SergeantMetrics.class)).isEmpty();
            assertThat(context.getBean(Sergeant.class)).isNotNull();
        }
    }

    @Test
    @DisplayName("bad sergeant.* keys and values fail the start-up at once, naming each key")
    void badPropertiesFailTheStartUp() {
        assertThatThrownBy(() -> start(App.class,
                "sergeant.backend=sqlite:" + dir.resolve("bad.db"),
                "sergeant.delivery.mode=at-least-twice",
                "sergeant.config.tasks-per-transactoin=5",
                "sergeant.workers.nosuchqueue.executor.concurrency=2").close())
                .hasRootCauseInstanceOf(SergeantException.class)
                .rootCause().hasMessageContaining("delivery.mode").hasMessageContaining("at-least-twice")
                .hasMessageContaining("tasksPerTransactoin");
    }

    @Test
    @DisplayName("per-worker keys that name no worker bean are reported with the known queues")
    void unknownWorkerOverride() {
        assertThatThrownBy(() -> start(App.class,
                "sergeant.backend=sqlite:" + dir.resolve("unknown.db"),
                "sergeant.workers.nosuchqueue.executor.concurrency=2").close())
                .rootCause().hasMessageContaining("sergeant.workers.nosuchqueue").hasMessageContaining("greetings");
    }

    @Test
    @DisplayName("the WorkerProvider bean makes workers from the context, as a worker process would by class name")
    void springWorkerProvider() {
        try (ConfigurableApplicationContext context = start(App.class,
                "sergeant.backend=sqlite:" + dir.resolve("provider.db"), "sergeant.lifecycle.auto-startup=false")) {
            WorkerProvider provider = context.getBean(WorkerProvider.class);
            Worker bean = new WorkerFactory(context.getBean(Sergeant.class), provider)
                    .create(GreetingWorker.class.getName(), List.of());
            assertThat(bean).isSameAs(context.getBean(GreetingWorker.class));
            Worker made = new WorkerFactory(context.getBean(Sergeant.class), provider)
                    .create(NotABeanWorker.class.getName(), List.of());
            assertThat(((NotABeanWorker) made).journal).isSameAs(context.getBean(Journal.class));
            assertThat(context.getBean(SergeantWorkers.class).isRunning()).isFalse();
        }
    }

    @Test
    @DisplayName("sergeant.workers.<queue>.max-retries=1 reaches retry() in process-executor children: "
            + "a failing task runs twice, not the four times its class's maxRetries=3 allows")
    void propertiesReachTheProcessExecutorsChildren() throws Exception {
        Path journal = dir.resolve("journal.txt");
        try (ConfigurableApplicationContext context = start(ProcessApp.class,
                "sergeant.backend=sqlite:" + dir.resolve("process.db"),
                "sergeant.config.poll-interval=50ms",
                "sergeant.workers.retried.max-retries=1",
                "sergeant.workers.retried.executor.kind=process",
                "sergeant.workers.retried.executor.option.jvm-options=-XX:+UseSerialGC -XX:TieredStopAtLevel=1 -D"
                        + RetriedWorker.JOURNAL_PROPERTY + "=" + journal)) {
            context.getBean(Broker.class).pushTask(RetriedWorker.QUEUE, Map.of("n", 1));
            long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
            while (!journalLines(journal).contains("max") && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
        }
        List<String> lines = java.nio.file.Files.readAllLines(journal);
        long parent = ProcessHandle.current().pid();
        assertThat(lines).as("onMaxRetries ran, after the last run").last().asString().startsWith("max ");
        assertThat(lines.stream().filter(line -> line.startsWith("ran ")).map(line -> line.split(" ")[1]))
                .as("one run and one retry").containsExactly("0", "1");
        assertThat(lines).as("all in children").noneMatch(line -> line.endsWith(" " + parent));
    }

    private static String journalLines(Path journal) throws java.io.IOException {
        return java.nio.file.Files.exists(journal) ? java.nio.file.Files.readString(journal) : "";
    }

    private static ConfigurableApplicationContext start(Class<?> app, String... properties) {
        return new SpringApplicationBuilder(app).web(WebApplicationType.NONE).properties(properties)
                .properties("spring.main.banner-mode=off").run();
    }

    private static void awaitSize(List<?> list, int size) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (list.size() < size && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertThat(list).as("processed within 60 s").hasSize(size);
    }

    /** What the workers did. */
    static final class Journal {
        final List<String> greeted = new CopyOnWriteArrayList<>();
        final List<String> lifecycle = new CopyOnWriteArrayList<>();
    }

    @Configuration(proxyBeanMethods = false)
    @EnableAutoConfiguration
    @Import(GreetingWorker.class)
    static class App {
        @Bean
        Journal journal() {
            return new Journal();
        }
    }

    /** The application with a MeterRegistry of its own. */
    @Configuration(proxyBeanMethods = false)
    @EnableAutoConfiguration
    @Import(GreetingWorker.class)
    static class MeteredApp {
        @Bean
        Journal journal() {
            return new Journal();
        }

        @Bean
        io.micrometer.core.instrument.MeterRegistry meterRegistry() {
            return new io.micrometer.core.instrument.simple.SimpleMeterRegistry();
        }
    }

    /** An application whose only worker runs with the process executor. */
    @Configuration(proxyBeanMethods = false)
    @EnableAutoConfiguration
    @Import(RetriedWorker.class)
    static class ProcessApp {
    }

    /** A worker bean with a constructor dependency; its queue comes from the annotation. */
    @SergeantWorker("greetings")
    static class GreetingWorker extends Worker {
        private final Journal journal;

        GreetingWorker(Journal journal) {
            this.journal = journal;
        }

        @Override
        public WorkerConfig config() {
            return WorkerConfig.builder("unnamed").build();
        }

        @Override
        public void initialize() {
            journal.lifecycle.add("initialize");
        }

        @Override
        public void finalizeWorker() {
            journal.lifecycle.add("finalize");
        }

        @Override
        public Object work(Task task) {
            journal.greeted.add("hello " + task.kwargs().get("name"));
            return null;
        }
    }

    /** Not a bean: the provider autowires a new one. */
    public static class NotABeanWorker extends Worker {
        final Journal journal;

        public NotABeanWorker(Journal journal) {
            this.journal = journal;
        }

        @Override
        public WorkerConfig config() {
            return WorkerConfig.builder("other").build();
        }

        @Override
        public Object work(Task task) {
            return null;
        }
    }
}
