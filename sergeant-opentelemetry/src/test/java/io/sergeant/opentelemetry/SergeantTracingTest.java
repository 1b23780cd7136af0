package io.sergeant.opentelemetry;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import io.sergeant.api.Broker;
import io.sergeant.api.Priority;
import io.sergeant.api.Task;
import io.sergeant.api.config.WorkerConfig;
import io.sergeant.api.worker.Worker;
import io.sergeant.core.Sergeant;
import io.sergeant.core.worker.WorkerRuntime;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;

/** Push, work and retry of one task make one trace, recorded with the SDK's in-memory exporter. */
class SergeantTracingTest {

    @TempDir
    Path dir;

    private final InMemorySpanExporter exporter = InMemorySpanExporter.create();
    private final OpenTelemetrySdk openTelemetry = OpenTelemetrySdk.builder()
            .setTracerProvider(SdkTracerProvider.builder().addSpanProcessor(SimpleSpanProcessor.create(exporter)).build())
            .build();

    @AfterEach
    void close() {
        openTelemetry.close();
    }

    /** Retries its task once, then succeeds; logs one line per run and keeps the trace ids it saw. */
    public static final class RetryOnceWorker extends Worker {
        final List<String> traceIds = new CopyOnWriteArrayList<>();
        private final WorkerConfig config;

        RetryOnceWorker(WorkerConfig config) {
            this.config = config;
        }

        @Override
        public WorkerConfig config() {
            return config;
        }

        @Override
        public Object work(Task task) {
            traceIds.add(task.traceId());
            LoggerFactory.getLogger(RetryOnceWorker.class).info("sending mail, run {}", task.runCount());
            if (task.runCount() == 0) {
                throw retry(task);
            }
            return "sent";
        }
    }

    @Test
    void pushWorkAndRetryOfATaskAreOneTraceWithMessagingAttributesAndTheTraceInTheLogMdc() {
        WorkerConfig config = WorkerConfig.builder("mail").backend("sqlite:" + dir.resolve("q.db"))
                .pollInterval(Duration.ofMillis(20)).maxTasksPerRun(2).maxRetries(3).build();
        Sergeant sergeant = Sergeant.create().withListeners(new SergeantTracing(openTelemetry));
        try (Broker broker = sergeant.broker(config)) {
            broker.pushTask("mail", Task.of(Map.of("to", "ann@example.com")), Priority.NORMAL, null);
        }
        Logger workerLog = (Logger) LoggerFactory.getLogger(RetryOnceWorker.class);
        ListAppender<ILoggingEvent> lines = new ListAppender<>();
        lines.setContext((LoggerContext) LoggerFactory.getILoggerFactory());
        lines.start();
        workerLog.addAppender(lines);
        RetryOnceWorker worker = new RetryOnceWorker(config);
        try (WorkerRuntime runtime = new WorkerRuntime(worker, sergeant, List.of())) {
            runtime.run();
        } finally {
            workerLog.detachAppender(lines);
        }

        List<SpanData> spans = exporter.getFinishedSpanItems().stream()
                .sorted(Comparator.comparingLong(SpanData::getStartEpochNanos)).toList();
        assertThat(spans).extracting(SpanData::getName).containsExactly("send mail", "process mail", "send mail", "process mail");
        assertThat(spans).extracting(SpanData::getKind)
                .containsExactly(SpanKind.PRODUCER, SpanKind.CONSUMER, SpanKind.PRODUCER, SpanKind.CONSUMER);
        SpanData push = spans.get(0);
        SpanData firstRun = spans.get(1);
        SpanData retryPush = spans.get(2);
        SpanData secondRun = spans.get(3);
        // One trace: push -> run -> retry push -> run, each a child of the one before.
        assertThat(spans).extracting(SpanData::getTraceId).containsOnly(push.getTraceId());
        assertThat(push.getParentSpanContext().isValid()).isFalse();
        assertThat(firstRun.getParentSpanId()).isEqualTo(push.getSpanId());
        assertThat(retryPush.getParentSpanId()).isEqualTo(firstRun.getSpanId());
        assertThat(secondRun.getParentSpanId()).isEqualTo(retryPush.getSpanId());
        // The consumer spans are also linked to the producer span of their delivery.
        assertThat(firstRun.getLinks()).extracting(link -> link.getSpanContext().getSpanId()).containsExactly(push.getSpanId());
        assertThat(secondRun.getLinks()).extracting(link -> link.getSpanContext().getSpanId()).containsExactly(retryPush.getSpanId());
        // Messaging semantic conventions.
        assertThat(push.getAttributes().get(SergeantTracing.MESSAGING_SYSTEM)).isEqualTo("sergeant");
        assertThat(push.getAttributes().get(SergeantTracing.DESTINATION)).isEqualTo("mail");
        assertThat(push.getAttributes().get(SergeantTracing.OPERATION_TYPE)).isEqualTo("send");
        assertThat(firstRun.getAttributes().get(SergeantTracing.OPERATION_TYPE)).isEqualTo("process");
        assertThat(firstRun.getAttributes().get(SergeantTracing.DESTINATION)).isEqualTo("mail");
        assertThat(firstRun.getAttributes().get(SergeantTracing.OUTCOME)).isEqualTo("retried");
        assertThat(secondRun.getAttributes().get(SergeantTracing.OUTCOME)).isEqualTo("succeeded");
        assertThat(secondRun.getAttributes().get(SergeantTracing.RUN_COUNT)).isEqualTo(1L);
        assertThat(secondRun.getStatus().getStatusCode()).isNotEqualTo(StatusCode.ERROR);
        // The task's trace_id field (Python's) carried each producer span's traceparent.
        assertThat(worker.traceIds).containsExactly(
                "00-" + push.getTraceId() + "-" + push.getSpanId() + "-" + push.getSpanContext().getTraceFlags().asHex(),
                "00-" + retryPush.getTraceId() + "-" + retryPush.getSpanId() + "-" + retryPush.getSpanContext().getTraceFlags().asHex());
        // Log lines during a task carry the queue, the trace id and the span id of its run.
        assertThat(lines.list).hasSize(2);
        assertThat(lines.list.get(0).getMDCPropertyMap()).containsEntry("queue", "mail")
                .containsEntry("trace_id", push.getTraceId()).containsEntry("span_id", firstRun.getSpanId());
        assertThat(lines.list.get(1).getMDCPropertyMap()).containsEntry("span_id", secondRun.getSpanId());
    }

    @Test
    void aTraceIdSetByTheUserIsKeptAndRecorded() {
        WorkerConfig config = WorkerConfig.builder("mail").backend("sqlite:" + dir.resolve("user.db")).build();
        Sergeant sergeant = Sergeant.create().withListeners(new SergeantTracing(openTelemetry));
        try (Broker broker = sergeant.broker(config)) {
            broker.pushTask("mail", Task.of(Map.of("to", "bob@example.com"), "order-1234"), Priority.NORMAL, null);
            assertThat(broker.popTasks("mail", 1)).extracting(Task::traceId).containsExactly("order-1234");
        }
        assertThat(exporter.getFinishedSpanItems()).singleElement()
                .satisfies(span -> assertThat(span.getAttributes().get(SergeantTracing.USER_TRACE_ID)).isEqualTo("order-1234"));
    }

    @Test
    void aRunInAChildProcessIsAConsumerSpanOfItsDurationInTheProducersTrace() {
        SergeantTracing tracing = new SergeantTracing(openTelemetry);
        io.sergeant.api.observe.PushObservation push = tracing.pushStarted("mail", 1);
        Task pushed = push.decorate(Task.of(Map.of("to", "bob@example.com")));
        push.pushed();

        tracing.taskRanElsewhere("mail", pushed, io.sergeant.api.observe.TaskOutcome.TIMED_OUT, Duration.ofSeconds(2),
                "task exceeded its timeout");

        List<SpanData> spans = exporter.getFinishedSpanItems();
        SpanData producer = spans.stream().filter(span -> span.getKind() == SpanKind.PRODUCER).findFirst().orElseThrow();
        SpanData consumer = spans.stream().filter(span -> span.getKind() == SpanKind.CONSUMER).findFirst().orElseThrow();
        assertThat(consumer.getName()).isEqualTo("process mail");
        assertThat(consumer.getTraceId()).isEqualTo(producer.getTraceId());
        assertThat(consumer.getParentSpanId()).isEqualTo(producer.getSpanId());
        assertThat(consumer.getEndEpochNanos() - consumer.getStartEpochNanos()).isGreaterThanOrEqualTo(Duration.ofSeconds(2).toNanos());
        assertThat(consumer.getAttributes().get(SergeantTracing.OUTCOME)).isEqualTo("timed_out");
        assertThat(consumer.getStatus().getStatusCode()).isEqualTo(StatusCode.ERROR);
        assertThat(io.opentelemetry.api.trace.Span.current().getSpanContext().isValid()).as("no span left current").isFalse();
    }
}
