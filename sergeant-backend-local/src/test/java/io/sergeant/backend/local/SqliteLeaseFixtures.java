package io.sergeant.backend.local;

import io.sergeant.spi.backend.Delivery;
import io.sergeant.spi.backend.Receipt;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** What the SQLite lease tests share: Python Sergeant's pop on a second connection, a clock moved by hand, conversions. */
final class SqliteLeaseFixtures {

    private SqliteLeaseFixtures() {
    }

    /** The one number a query returns. */
    static long count(Connection connection, String sql) throws SQLException {
        try (Statement statement = connection.createStatement(); ResultSet row = statement.executeQuery(sql)) {
            assertThat(row.next()).isTrue();
            return row.getLong(1);
        }
    }

    /** Python Sergeant's pop (docs/python-compat.md §3.4) of up to {@code max} tasks of queue "q" at time {@code now}. */
    static List<String> pythonPop(Connection python, double now, int max) throws SQLException {
        List<String> result = new ArrayList<>();
        try (PreparedStatement pop = python.prepareStatement("DELETE FROM task_queue WHERE rowid in "
                + "(SELECT rowid FROM task_queue WHERE queue_name = ? AND priority <= ? LIMIT ?) RETURNING value")) {
            pop.setString(1, "q");
            pop.setDouble(2, now);
            pop.setInt(3, max);
            try (ResultSet rows = pop.executeQuery()) {
                while (rows.next()) {
                    result.add(text(rows.getBytes(1)));
                }
            }
        }
        return result;
    }

    static List<Receipt> receipts(List<Delivery> deliveries) {
        return deliveries.stream().map(Delivery::receipt).toList();
    }

    /** Epoch seconds, as the file stores times. */
    static double epoch(Instant instant) {
        return instant.toEpochMilli() / 1000.0;
    }

    static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    static String text(byte[] payload) {
        return new String(payload, StandardCharsets.UTF_8);
    }

    /** A clock the test moves forward by hand. Not thread safe (one test thread). */
    static final class MovableClock extends Clock {
        private Instant now;

        MovableClock(Instant start) {
            this.now = start;
        }

        void advance(Duration duration) {
            now = now.plus(duration);
        }

        void set(Instant instant) {
            now = instant;
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }
}
