package io.sergeant.cli.bench;

import io.sergeant.api.Broker;
import io.sergeant.api.QueueStats;
import io.sergeant.api.config.DeliveryMode;
import io.sergeant.core.worker.RunSummary;

import java.util.ArrayList;
import java.util.List;

/**
 * The check of a drain or latency run: every task ran exactly once (at-most-once) or at least once
 * (at-least-once) by the worker's ledger, the benchmark queue is empty afterwards (ready, delayed, in
 * flight and dead letters), and the worker loop ended without failing.
 *
 * @param passed whether all of that holds
 * @param text   the check column: what held, or {@code FAILED:} and every problem
 */
record DrainCheck(boolean passed, String text) {

    /** Checks a run that should have delivered {@code expected} tasks; {@code summary} is null when the loop did not end. */
    static DrainCheck of(Broker broker, DeliveryMode mode, DeliveryLedger ledger, int expected, RunSummary summary) {
        DeliveryLedger.Verdict verdict = ledger.verdict(expected);
        QueueStats stats = broker.stats(BackendBench.QUEUE);
        List<String> problems = new ArrayList<>();
        if (verdict.missing() > 0) {
            problems.add(ResultTable.count(verdict.missing()) + " never ran");
        }
        if (mode == DeliveryMode.AT_MOST_ONCE && verdict.duplicates() > 0) {
            problems.add(ResultTable.count(verdict.duplicates()) + " ran twice");
        }
        if (verdict.unexpected() > 0) {
            problems.add(ResultTable.count(verdict.unexpected()) + " unexpected");
        }
        if (stats.ready() + stats.delayed() + stats.inFlight() + stats.deadLetters() > 0) {
            problems.add("queue not empty after: " + stats);
        }
        if (summary == null) {
            problems.add("the worker loop did not end");
        } else if (summary.exitCode() == 1) {
            problems.add("the worker loop failed: " + summary.toJson());
        }
        if (!problems.isEmpty()) {
            return new DrainCheck(false, "FAILED: " + String.join(", ", problems));
        }
        if (mode == DeliveryMode.AT_MOST_ONCE) {
            return new DrainCheck(true, "exactly once ✓");
        }
        return new DrainCheck(true, "at least once ✓ (" + ResultTable.count(verdict.duplicates()) + " redelivered)");
    }
}
