package io.sergeant.cli.bench;

import io.sergeant.api.Task;
import io.sergeant.spi.execution.TaskCodec;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * The raw client limit of a backend, the yardstick of the benchmark's rows: the same encoded tasks
 * pushed one by one, pushed in bulk, popped, and popped with a lease where the client can, by the
 * backend's own client without Sergeant; each the median of the rounds, and every pop checked to return
 * every item. Not thread safe.
 */
final class RawLimit {

    /**
     * Median raw rates, in items per second; each is negative when not measured ({@code leasedPop} when the
     * raw client has no leased pop).
     */
    record Rates(double single, double bulk, double pop, double leasedPop) {
    }

    /** The rates with every figure not measured. */
    static final Rates NONE = new Rates(-1, -1, -1, -1);

    private final Supplier<RawClient> rawClient;
    private final BenchSettings settings;
    private final Consumer<String> say;

    /**
     * @param rawClient opens the raw client of the backend
     * @param say       prints a progress line
     */
    RawLimit(Supplier<RawClient> rawClient, BenchSettings settings, Consumer<String> say) {
        this.rawClient = Objects.requireNonNull(rawClient, "rawClient is null");
        this.settings = Objects.requireNonNull(settings, "settings is null");
        this.say = Objects.requireNonNull(say, "say is null");
    }

    /** Measures the rates of these tasks, encoded by {@code encoder}, over {@link BenchSettings#rounds()} rounds. */
    Rates measure(TaskCodec encoder, List<Task> tasks) {
        List<byte[]> bytes = new ArrayList<>(tasks.size());
        for (Task task : tasks) {
            bytes.add(encoder.encode(task));
        }
        int single = Math.min(settings.singleTasks(), bytes.size());
        int rounds = settings.rounds();
        double[] singles = new double[rounds];
        double[] bulks = new double[rounds];
        double[] pops = new double[rounds];
        double[] leasedPops = new double[rounds];
        try (RawClient raw = rawClient.get()) {
            say.accept("raw limit: " + raw.describe() + (raw.describeLeased().isEmpty() ? "" : "; leased: " + raw.describeLeased())
                    + " (median of " + rounds + " rounds)");
            raw.clear();
            for (int round = 0; round < rounds; round++) {
                long start = System.nanoTime();
                raw.pushOneByOne(bytes.subList(0, single));
                singles[round] = ResultRow.rate(single, System.nanoTime() - start);
                raw.clear();
                start = System.nanoTime();
                raw.pushBulk(bytes, settings.pushChunk());
                bulks[round] = ResultRow.rate(bytes.size(), System.nanoTime() - start);
                start = System.nanoTime();
                long popped = raw.popAll(settings.batch());
                long nanos = System.nanoTime() - start;
                checkRaw(popped, bytes.size());
                pops[round] = ResultRow.rate(popped, nanos);
                raw.clear();
                raw.pushBulk(bytes, settings.pushChunk());
                start = System.nanoTime();
                long leased = raw.popAllLeased(settings.batch());
                nanos = System.nanoTime() - start;
                if (leased >= 0) {
                    checkRaw(leased, bytes.size());
                }
                leasedPops[round] = leased < 0 ? -1 : ResultRow.rate(leased, nanos);
                raw.clear();
            }
        }
        Rates rates = new Rates(median(singles), median(bulks), median(pops), median(leasedPops));
        say.accept(String.format(Locale.ROOT, "raw limit: %,.0f single pushes/s, %,.0f bulk pushes/s, %,.0f pops/s (%s)%s",
                rates.single, rates.bulk, rates.pop, spread(pops),
                rates.leasedPop > 0 ? String.format(Locale.ROOT, ", %,.0f leased pops/s (%s)", rates.leasedPop, spread(leasedPops)) : ""));
        return rates;
    }

    private static void checkRaw(long popped, int expected) {
        if (popped != expected) {
            throw new IllegalStateException("the raw client popped " + popped + " of " + expected + " items");
        }
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        return ResultRow.median(sorted);
    }

    private static String spread(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        return String.format(Locale.ROOT, "%,.0f – %,.0f", sorted[0], sorted[sorted.length - 1]);
    }
}
