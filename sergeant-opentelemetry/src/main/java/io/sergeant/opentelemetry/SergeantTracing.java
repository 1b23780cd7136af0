package io.sergeant.opentelemetry;

import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.sergeant.api.Task;
import io.sergeant.api.observe.PushObservation;
import io.sergeant.api.observe.SergeantListener;
import io.sergeant.api.observe.TaskObservation;
import io.sergeant.api.observe.TaskOutcome;
import org.slf4j.MDC;

import java.util.Objects;
import java.util.regex.Pattern;

/**
 * Traces tasks with OpenTelemetry, carrying the trace in the task's {@code trace_id} field, the one
 * field Python Sergeant already has for this, so Python producers and workers keep reading and
 * forwarding it unchanged (a Python task pushed from inside a task inherits it).
 *
 * <p><b>Push.</b> Every push opens a {@link SpanKind#PRODUCER} span {@code send <queue>} (a child of
 * the current span, if any) and stores its W3C {@code traceparent} ({@code 00-<trace id>-<span id>-01})
 * in the trace id of each task that has none or already has a traceparent. A trace id that is not a
 * traceparent was set by the user and is kept as it is (and recorded as the attribute
 * {@code sergeant.trace_id}).
 *
 * <p><b>Work.</b> Every run of a task opens a {@link SpanKind#CONSUMER} span {@code process <queue>},
 * child of and linked to the producer span of its traceparent (a task without one starts a trace),
 * current on the task's thread while its hooks, {@code work} and handler run, with the messaging
 * semantic conventions: {@code messaging.system=sergeant}, {@code messaging.destination.name=<queue>},
 * {@code messaging.operation.type} ({@code send}, {@code process}) and {@code messaging.operation.name}
 * ({@code push}, {@code work}), plus {@code sergeant.task.run_count} and {@code sergeant.task.outcome}.
 * A retry or requeue pushes from inside that span, so the task's next run stays in the same trace. A
 * failure, timeout or max retries sets the span's status to error.
 *
 * <p><b>Logs.</b> While a task runs, the SLF4J MDC holds {@code trace_id} and {@code span_id} of its
 * span (core adds {@code queue}), so every log line of the task can be joined with its trace.
 *
 * <p>Use: {@code Sergeant.create().withListeners(new SergeantTracing(openTelemetry))}. Thread safe.
 */
public final class SergeantTracing implements SergeantListener {

    /** The instrumentation scope name of the spans. */
    public static final String INSTRUMENTATION_NAME = "io.sergeant";

    static final AttributeKey<String> MESSAGING_SYSTEM = AttributeKey.stringKey("messaging.system");
    static final AttributeKey<String> DESTINATION = AttributeKey.stringKey("messaging.destination.name");
    static final AttributeKey<String> OPERATION_TYPE = AttributeKey.stringKey("messaging.operation.type");
    static final AttributeKey<String> OPERATION_NAME = AttributeKey.stringKey("messaging.operation.name");
    static final AttributeKey<Long> BATCH_COUNT = AttributeKey.longKey("messaging.batch.message_count");
    static final AttributeKey<Long> RUN_COUNT = AttributeKey.longKey("sergeant.task.run_count");
    static final AttributeKey<String> OUTCOME = AttributeKey.stringKey("sergeant.task.outcome");
    static final AttributeKey<String> USER_TRACE_ID = AttributeKey.stringKey("sergeant.trace_id");

    private static final Pattern TRACEPARENT = Pattern.compile("00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}");
    private static final TextMapGetter<String> FROM_TRACE_ID = new TextMapGetter<>() {
        @Override
        public String get(String carrier, String key) {
            return "traceparent".equals(key) ? carrier : null;
        }
    };

    private final Tracer tracer;
    private final W3CTraceContextPropagator propagator = W3CTraceContextPropagator.getInstance();

    /** Tracing with {@code openTelemetry}'s tracer provider. */
    public SergeantTracing(OpenTelemetry openTelemetry) {
        this.tracer = Objects.requireNonNull(openTelemetry, "openTelemetry is null").getTracer(INSTRUMENTATION_NAME);
    }

    /** Whether a task's trace id is a W3C traceparent this listener can continue. */
    public static boolean isTraceparent(String traceId) {
        return traceId != null && TRACEPARENT.matcher(traceId).matches();
    }

    /** The traceparent of a span context: {@code 00-<trace id>-<span id>-<flags>}. */
    static String traceparent(SpanContext context) {
        return "00-" + context.getTraceId() + "-" + context.getSpanId() + "-" + context.getTraceFlags().asHex();
    }

    @Override
    public PushObservation pushStarted(String queue, int taskCount) {
        var builder = tracer.spanBuilder("send " + queue).setSpanKind(SpanKind.PRODUCER)
                .setAttribute(MESSAGING_SYSTEM, "sergeant").setAttribute(DESTINATION, queue)
                .setAttribute(OPERATION_TYPE, "send").setAttribute(OPERATION_NAME, "push");
        if (taskCount > 1) {
            builder.setAttribute(BATCH_COUNT, (long) taskCount);
        }
        Span span = builder.startSpan();
        String traceparent = traceparent(span.getSpanContext());
        return new PushObservation() {
            @Override
            public Task decorate(Task task) {
                if (task.traceId() == null || isTraceparent(task.traceId())) {
                    return new Task(task.kwargs(), traceparent, task.date(), task.runCount());
                }
                span.setAttribute(USER_TRACE_ID, task.traceId());
                return task;
            }

            @Override
            public void pushed() {
                span.end();
            }

            @Override
            public void failed(RuntimeException error) {
                span.recordException(error);
                span.setStatus(StatusCode.ERROR, String.valueOf(error.getMessage()));
                span.end();
            }
        };
    }

    @Override
    public TaskObservation taskStarted(String queue, Task task) {
        Span span = consumerSpan(queue, task).startSpan();
        Scope scope = span.makeCurrent();
        String previousTraceId = MDC.get("trace_id");
        String previousSpanId = MDC.get("span_id");
        MDC.put("trace_id", span.getSpanContext().getTraceId());
        MDC.put("span_id", span.getSpanContext().getSpanId());
        return (outcome, duration, error) -> {
            scope.close();
            end(span, outcome, error);
            restore("trace_id", previousTraceId);
            restore("span_id", previousSpanId);
        };
    }

    /**
     * A run in a child process of the {@code process} executor, reported when it ended: the same consumer
     * span as {@link #taskStarted}, started {@code duration} ago and ended now (never current on a thread).
     */
    @Override
    public void taskRanElsewhere(String queue, Task task, TaskOutcome outcome, java.time.Duration duration, String error) {
        Span span = consumerSpan(queue, task).setStartTimestamp(java.time.Instant.now().minus(duration)).startSpan();
        end(span, outcome, error);
    }

    private static void end(Span span, TaskOutcome outcome, String error) {
        span.setAttribute(OUTCOME, outcome.tag());
        if (outcome == TaskOutcome.FAILED || outcome == TaskOutcome.TIMED_OUT || outcome == TaskOutcome.MAX_RETRIES) {
            span.setStatus(StatusCode.ERROR, error != null ? error : outcome.tag());
        }
        span.end();
    }

    private io.opentelemetry.api.trace.SpanBuilder consumerSpan(String queue, Task task) {
        var builder = tracer.spanBuilder("process " + queue).setSpanKind(SpanKind.CONSUMER)
                .setAttribute(MESSAGING_SYSTEM, "sergeant").setAttribute(DESTINATION, queue)
                .setAttribute(OPERATION_TYPE, "process").setAttribute(OPERATION_NAME, "work")
                .setAttribute(RUN_COUNT, (long) task.runCount());
        SpanContext producer = isTraceparent(task.traceId())
                ? Span.fromContext(propagator.extract(Context.root(), task.traceId(), FROM_TRACE_ID)).getSpanContext()
                : SpanContext.getInvalid();
        if (producer.isValid()) {
            builder.setParent(Context.root().with(Span.wrap(producer))).addLink(producer);
        } else {
            builder.setNoParent();
            if (task.traceId() != null) {
                builder.setAttribute(USER_TRACE_ID, task.traceId());
            }
        }
        return builder;
    }

    private static void restore(String key, String value) {
        if (value == null) {
            MDC.remove(key);
        } else {
            MDC.put(key, value);
        }
    }
}
