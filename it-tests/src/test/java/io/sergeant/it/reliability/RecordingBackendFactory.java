package io.sergeant.it.reliability;

import io.sergeant.api.ErrorCode;
import io.sergeant.api.SergeantException;
import io.sergeant.api.Task;
import io.sergeant.spi.PluginContext;
import io.sergeant.spi.PluginOptions;
import io.sergeant.spi.backend.Backend;
import io.sergeant.spi.backend.BackendFactory;
import io.sergeant.spi.backend.BackendLeases;
import io.sergeant.spi.backend.BackendSpec;
import io.sergeant.spi.backend.BackendWakeups;
import io.sergeant.spi.backend.Delivery;
import io.sergeant.spi.backend.DeliveryOptions;
import io.sergeant.spi.backend.PopPipeline;
import io.sergeant.spi.backend.Receipt;
import io.sergeant.spi.backend.SettleResult;
import io.sergeant.spi.backend.SettledPop;
import io.sergeant.spi.codec.Serializer;
import io.sergeant.spi.codec.SerializerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.Field;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * A backend for the worker JVMs of the fault tests: {@code recorded:<uri>} opens the backend of
 * {@code <uri>}, gives every delivery a pop (or a leased settle-and-pop, or the receive of a pop pipeline,
 * {@link PopPipeline#receive}, or an at-most-once idle wait that took tasks itself,
 * {@link BackendWakeups#awaitOrTake}) returns a token of its own, handed to
 * the worker in the task's kwargs ({@link HistoryRecord#DELIVERY_KWARG}; the payload is re-encoded with it) and
 * written in every record of that delivery, and records, for every such delivery, an {@code F} (fetched)
 * record in the history directory of {@link HistoryWorker#HISTORY_PROPERTY}, so the checker knows which tasks
 * a killed worker held without having started them (a token of a delivery received through a pop pipeline says so,
 * {@link HistoryRecord#pipelined()}); for every pop a pop pipeline sent, a {@code Q} record saying whether it was
 * written ahead or deferred, so a run can tell that pops were in flight; for every leased task an ack settled, a {@code K}
 * (acknowledged) record, so the checker knows which completed tasks a kill may make run again; and for
 * every reap of expired leases an {@code R} record, so a redelivery can be measured in the reaper's own
 * cycles. Everything else goes to the real
 * backend unchanged (a dynamic proxy over every interface the real backend implements, one over the
 * lease role when the backend keeps it in an object of its own, one over the wake-up role, and a wrapper of the pop
 * pipeline whose
 * {@code inFlight} and {@code close} go straight through). Payloads are decoded with the {@code msgpack} serializer,
 * the fault tests' encoding; one that does not decode is not recorded.
 *
 * <p>Deliberately not listed in the test class path's {@code META-INF/services} (the architecture rules
 * allow production factories only): {@link #pluginDirectory(Path)} writes a services file into a directory
 * that {@link FaultRun} appends to the workers' class path only.
 */
public final class RecordingBackendFactory implements BackendFactory {

    /** The scheme prefix. */
    public static final String SCHEME = "recorded";

    /** A public no-argument constructor, for {@link ServiceLoader}. */
    public RecordingBackendFactory() {
    }

    @Override
    public String name() {
        return SCHEME;
    }

    @Override
    public Set<String> schemes() {
        return Set.of(SCHEME);
    }

    @Override
    public Backend create(BackendSpec spec, PluginContext context) {
        String inner = spec.uri().substring(SCHEME.length() + 1);
        BackendSpec innerSpec = new BackendSpec(inner, spec.options());
        BackendFactory factory = ServiceLoader.load(BackendFactory.class, context.classLoader()).stream()
                .map(ServiceLoader.Provider::get)
                .filter(candidate -> !(candidate instanceof RecordingBackendFactory))
                .filter(candidate -> candidate.schemes().contains(innerSpec.scheme()))
                .findFirst()
                .orElseThrow(() -> new SergeantException(ErrorCode.INVALID_CONFIGURATION,
                        "no backend serves scheme '" + innerSpec.scheme() + "' behind " + SCHEME + ":"));
        Backend real = factory.create(innerSpec, context);
        Serializer serializer = ServiceLoader.load(SerializerFactory.class, context.classLoader()).stream()
                .map(ServiceLoader.Provider::get).filter(candidate -> candidate.name().equals("msgpack")).findFirst()
                .orElseThrow(() -> new IllegalStateException("the msgpack serializer is not on the class path"))
                .create(new PluginOptions("serializer 'msgpack'", Map.of()), context);
        String directory = System.getProperty(HistoryWorker.HISTORY_PROPERTY);
        Recorder recorder = directory == null ? null : new Recorder(HistoryLog.open(Path.of(directory), "fetcher"), serializer);
        Set<Class<?>> interfaces = new LinkedHashSet<>();
        for (Class<?> type = real.getClass(); type != null; type = type.getSuperclass()) {
            collect(type, interfaces);
        }
        return (Backend) Proxy.newProxyInstance(RecordingBackendFactory.class.getClassLoader(),
                interfaces.toArray(Class<?>[]::new), (proxy, method, args) -> {
                    Object result = invoke(real, method, args);
                    if (recorder == null) {
                        return result;
                    }
                    if (method.getName().equals("pop") && result instanceof List<?> deliveries) {
                        return recorder.fetched(deliveries, true, false);
                    }
                    if (method.getName().equals("popPipeline") && result instanceof Optional<?> pipeline
                            && pipeline.isPresent()) {
                        // The one-thread at-most-once loop pops through it: its receives are fetches like a pop's.
                        return Optional.of(recorder.pipeline((PopPipeline) pipeline.get()));
                    }
                    if (method.getName().equals("wakeupRole") && result instanceof Optional<?> role && role.isPresent()) {
                        // An at-most-once idle wait may take tasks itself (awaitOrTake): those are fetches as well.
                        return Optional.of(recorder.wakeups((BackendWakeups) role.get()));
                    }
                    if (method.getName().equals("leaseRole") && result instanceof Optional<?> role && role.isPresent()) {
                        // Leased pops (settle-and-pop), acks and reaps go through the lease role, often an object of its own.
                        return Optional.of(recorder.leases((BackendLeases) role.get()));
                    }
                    if (method.getName().equals("close")) {
                        recorder.log.close();
                    }
                    return result;
                });
    }

    private static Object invoke(Object real, Method method, Object[] args) throws Throwable {
        try {
            return method.invoke(real, args);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }

    private static void collect(Class<?> type, Set<Class<?>> into) {
        for (Class<?> implemented : type.getInterfaces()) {
            if (java.lang.reflect.Modifier.isPublic(implemented.getModifiers()) && into.add(implemented)) {
                collect(implemented, into);
            }
        }
    }

    /**
     * Writes the records of one worker's backend: fetches, acks and reaps. Tags every delivery with a token
     * ({@code l<pid>.<n>} leased, {@code u<pid>.<n>} not, {@code u<pid>.p<n>} received through a pop pipeline) and remembers the task id and token of each leased
     * receipt it saw popped until the receipt is settled. Thread safe.
     */
    private static final class Recorder {

        private final HistoryLog log;
        private final Serializer serializer;
        private final Map<Receipt, HistoryLog.Delivered> leased = new ConcurrentHashMap<>();
        private final AtomicLong tokens = new AtomicLong();

        Recorder(HistoryLog log, Serializer serializer) {
            this.log = log;
            this.serializer = serializer;
        }

        /**
         * The lease role behind a proxy that records what settle-and-pop returns ({@code F}), the receipts
         * an ack or settle-and-pop settled ({@code K}, once the call returned) and every reap ({@code R},
         * stamped with the moment the call began, written once it returned).
         */
        BackendLeases leases(BackendLeases real) {
            // The default ackAndPop pops through the backend it is given, the recording one, which records the fetch.
            boolean ownAckAndPop = !ackAndPopMethod(real).isDefault();
            return (BackendLeases) Proxy.newProxyInstance(RecordingBackendFactory.class.getClassLoader(),
                    new Class<?>[] {BackendLeases.class}, (proxy, method, args) -> {
                        long began = System.currentTimeMillis();
                        Object result = invoke(real, method, args);
                        switch (method.getName()) {
                            case "ackAndPop" -> {
                                SettledPop settled = (SettledPop) result;
                                acked(receipts(args[2]), settled.acked());
                                if (ownAckAndPop) {
                                    // The default one popped through the recording backend, which tagged them already.
                                    return new SettledPop(settled.acked(), deliveries(fetched(settled.deliveries(), true, false)),
                                            settled.ackFailure());
                                }
                            }
                            case "ack" -> acked(receipts(args[1]), (SettleResult) result);
                            case "release", "handBack" -> receipts(args[1]).forEach(leased::remove);
                            case "reap" -> log.reaped(began);
                            default -> {
                                // extend and the rest: nothing to record
                            }
                        }
                        return result;
                    });
        }

        /**
         * The wake-up role behind a proxy that tags and records the tasks an at-most-once idle wait took itself
         * ({@link BackendWakeups#awaitOrTake}; {@code F}, as a pop's); every other call goes through unchanged.
         */
        BackendWakeups wakeups(BackendWakeups real) {
            return (BackendWakeups) Proxy.newProxyInstance(RecordingBackendFactory.class.getClassLoader(),
                    new Class<?>[] {BackendWakeups.class}, (proxy, method, args) -> {
                        Object result = invoke(real, method, args);
                        if (method.getName().equals("awaitOrTake") && result instanceof BackendWakeups.Awaited awaited
                                && !awaited.taken().isEmpty()) {
                            return new BackendWakeups.Awaited(deliveries(fetched(awaited.taken(), true, false)),
                                    awaited.popNow());
                        }
                        return result;
                    });
        }

        /**
         * The pop pipeline behind a wrapper whose {@link PopPipeline#receive} tags and records what it returns as
         * a pop's deliveries are ({@code F}), with tokens that name the pipeline ({@link HistoryRecord#pipelined()}),
         * and whose {@link PopPipeline#send} records, once the real send returned, whether it wrote the pop ahead
         * ({@code Q}, {@link HistoryLog#popSent}; {@link #sentAheadCount}); {@code inFlight} and {@code close} go to
         * the real pipeline unchanged. The worker's loop reads a pop still in flight when it ends through
         * {@code receive} (recorded {@code F}, like the unstarted tasks of a batch) and hands its tasks back itself;
         * the real {@code close}'s own hand-back (unrecorded) only covers a caller that closes without receiving.
         */
        PopPipeline pipeline(PopPipeline real) {
            LongSupplier sentAhead = sentAheadCount(real);
            return new PopPipeline() {
                @Override
                public void send(int max) {
                    long before = sentAhead == null ? 0 : sentAhead.getAsLong();
                    real.send(max);
                    log.popSent(sentAhead == null ? HistoryRecord.SENT_UNKNOWN
                            : sentAhead.getAsLong() != before ? HistoryRecord.SENT_AHEAD : HistoryRecord.SENT_DEFERRED);
                }

                @Override
                public boolean inFlight() {
                    return real.inFlight();
                }

                @Override
                public List<Delivery> receive() {
                    return deliveries(fetched(real.receive(), true, true));
                }

                @Override
                public void close() {
                    real.close();
                }
            };
        }

        /**
         * The real pipeline's own count of pops written ahead, or null if it keeps none. Redis' pipeline counts them
         * in a static {@code AtomicLong SENT_AHEAD} (package-private, for its tests), read here reflectively in the
         * worker JVM, where the pipeline runs: a worker runs one queue, so one pipeline and one loop thread, and the
         * count's change across a send is that send's. A backend without it gets sends recorded as
         * {@link HistoryRecord#SENT_UNKNOWN}.
         */
        private static LongSupplier sentAheadCount(PopPipeline real) {
            try {
                Field field = real.getClass().getDeclaredField("SENT_AHEAD");
                if (!java.lang.reflect.Modifier.isStatic(field.getModifiers()) || field.getType() != AtomicLong.class) {
                    return null;
                }
                field.setAccessible(true);
                AtomicLong count = (AtomicLong) field.get(null);
                return count::get;
            } catch (ReflectiveOperationException | RuntimeException e) {
                // No such count, or not readable: the sends are recorded as unknown.
                return null;
            }
        }

        /**
         * Tags the deliveries of the fault tests' tasks with tokens of their own (naming the pipeline if
         * {@code pipelined}), remembers the receipts of leased ones and, if {@code record}, writes their fetch;
         * returns the deliveries as the worker gets them.
         */
        List<?> fetched(List<?> deliveries, boolean record, boolean pipelined) {
            List<Object> tagged = new ArrayList<>(deliveries.size());
            List<HistoryLog.Delivered> fetched = new ArrayList<>(deliveries.size());
            for (Object item : deliveries) {
                Task task = item instanceof Delivery delivery ? taskOf(delivery) : null;
                if (task == null) {
                    tagged.add(item);
                    continue;
                }
                Delivery delivery = (Delivery) item;
                String token = (delivery.leased() ? "l" : "u") + HistoryLog.pid() + "."
                        + (pipelined ? HistoryRecord.PIPELINED_MARK : "") + tokens.incrementAndGet();
                HistoryLog.Delivered delivered = new HistoryLog.Delivered(HistoryLog.idOf(task), token);
                fetched.add(delivered);
                if (delivery.leased()) {
                    leased.put(delivery.receipt(), delivered);
                }
                Map<String, Object> kwargs = new LinkedHashMap<>(task.kwargs());
                kwargs.put(HistoryRecord.DELIVERY_KWARG, token);
                byte[] payload = serializer.serializeTask(new Task(kwargs, task.traceId(), task.date(), task.runCount()));
                tagged.add(new Delivery(payload, delivery.receipt()));
            }
            if (record && !fetched.isEmpty()) {
                log.fetched(fetched);
            }
            return tagged;
        }

        private void acked(List<Receipt> sent, SettleResult result) {
            Set<Receipt> refused = Set.copyOf(result.refused());
            List<HistoryLog.Delivered> settled = new ArrayList<>(sent.size());
            for (Receipt receipt : sent) {
                HistoryLog.Delivered delivered = leased.remove(receipt);
                if (delivered != null && !refused.contains(receipt)) {
                    settled.add(delivered);
                }
            }
            if (!settled.isEmpty()) {
                log.acked(settled);
            }
        }

        /** The task of a fault-test delivery (msgpack, with a usable string {@code id}), or null for any other payload. */
        private Task taskOf(Delivery delivery) {
            try {
                Task task = serializer.deserializeTask(delivery.payload());
                Object id = task.kwargs().get("id");
                if (id instanceof String text && !text.isEmpty() && text.indexOf('\t') < 0 && text.indexOf('\n') < 0) {
                    return task;
                }
            } catch (RuntimeException e) {
                // Not a task of the fault tests: nothing to record, handed over as it came.
            }
            return null;
        }

        @SuppressWarnings("unchecked")
        private static List<Delivery> deliveries(List<?> tagged) {
            return (List<Delivery>) tagged;
        }

        @SuppressWarnings("unchecked")
        private static List<Receipt> receipts(Object argument) {
            return (List<Receipt>) argument;
        }

        private static Method ackAndPopMethod(BackendLeases leases) {
            try {
                return leases.getClass().getMethod("ackAndPop", Backend.class, String.class, List.class, int.class,
                        DeliveryOptions.class);
            } catch (NoSuchMethodException e) {
                throw new IllegalStateException("BackendLeases.ackAndPop changed its signature", e);
            }
        }
    }

    /**
     * Writes {@code META-INF/services/io.sergeant.spi.backend.BackendFactory} naming this factory under
     * {@code directory}, for a worker class path.
     */
    static Path pluginDirectory(Path directory) {
        Path services = directory.resolve("META-INF").resolve("services");
        try {
            Files.createDirectories(services);
            Files.writeString(services.resolve(BackendFactory.class.getName()), RecordingBackendFactory.class.getName() + "\n",
                    StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the recording backend's services file under " + directory, e);
        }
        return directory;
    }
}
