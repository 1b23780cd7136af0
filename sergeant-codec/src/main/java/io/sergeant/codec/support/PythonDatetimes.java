package io.sergeant.codec.support;

import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.zone.ZoneOffsetTransition;
import java.time.ZonedDateTime;
import java.time.temporal.ChronoField;
import java.util.List;

/**
 * Python's datetime rules, reproduced bit for bit where Python Sergeant depends on them:
 * {@code datetime.timestamp()} (aware: exact microseconds / 10^6; naive: local seconds + µs / 1e6),
 * {@code datetime.fromtimestamp()} (round half even to microseconds) and the naive local time with
 * its {@code fold} bit that pickled datetimes carry. Sub-microsecond precision is truncated, as Python
 * datetimes hold microseconds. Stateless; internal.
 */
public final class PythonDatetimes {

    private static final long EXACT_MICROS = 1L << 53;

    private PythonDatetimes() {
    }

    /** Whether {@code value} is one of the datetime types the portable serializers write. */
    public static boolean isDatetime(Object value) {
        return value instanceof Instant || value instanceof OffsetDateTime || value instanceof ZonedDateTime
                || value instanceof LocalDateTime;
    }

    /** Python's {@code dt.timestamp()}; a {@link LocalDateTime} is naive local time in {@code zone}. */
    public static double timestamp(Object datetime, ZoneId zone) {
        if (datetime instanceof LocalDateTime local) {
            long seconds = local.atZone(zone).toEpochSecond();
            return seconds + local.get(ChronoField.MICRO_OF_SECOND) / 1e6;
        }
        Instant instant = toInstant(datetime);
        long micros = Math.addExact(Math.multiplyExact(instant.getEpochSecond(), 1_000_000L), instant.getNano() / 1000);
        if (Math.abs(micros) < EXACT_MICROS) {
            return micros / 1e6;
        }
        return BigDecimal.valueOf(micros).movePointLeft(6).doubleValue();
    }

    /** Python's {@code datetime.fromtimestamp(x)} as an instant (round half even to microseconds). */
    public static Instant fromTimestamp(double timestamp) {
        if (Double.isNaN(timestamp) || Double.isInfinite(timestamp) || Math.abs(timestamp) > 1e17) {
            throw new IllegalArgumentException("timestamp " + timestamp + " is out of range");
        }
        double intPart = timestamp < 0 ? Math.ceil(timestamp) : Math.floor(timestamp);
        double micros = Math.rint((timestamp - intPart) * 1e6);
        if (micros >= 1e6) {
            micros -= 1e6;
            intPart += 1.0;
        } else if (micros < 0) {
            micros += 1e6;
            intPart -= 1.0;
        }
        return Instant.ofEpochSecond((long) intPart, (long) micros * 1000L);
    }

    /** The naive local time of {@code datetime} in {@code zone}, truncated to microseconds. */
    public static LocalDateTime toNaiveLocal(Object datetime, ZoneId zone) {
        LocalDateTime local = datetime instanceof LocalDateTime ldt ? ldt
                : toInstant(datetime).atZone(zone).toLocalDateTime();
        return local.withNano(local.getNano() / 1000 * 1000);
    }

    /** Python's {@code fold}: 1 when {@code datetime} is the second occurrence of an ambiguous local time. */
    public static boolean fold(Object datetime, ZoneId zone) {
        if (datetime instanceof LocalDateTime) {
            return false;
        }
        ZonedDateTime zoned = toInstant(datetime).atZone(zone);
        List<ZoneOffset> offsets = zone.getRules().getValidOffsets(zoned.toLocalDateTime());
        return offsets.size() == 2 && zoned.getOffset().equals(offsets.get(1));
    }

    /**
     * The instant of a naive local time in {@code zone}, as Python's {@code timestamp()} reads it (PEP 495):
     * in an overlap {@code fold} picks the later of the two offsets; in a gap (a local time that does not
     * exist) fold 0 reads it with the offset before the transition and fold 1 with the offset after it, so
     * 02:30 in a spring-forward gap from +01:00 to +02:00 is 01:30Z with fold 0 and 00:30Z with fold 1.
     */
    public static Instant fromNaiveLocal(LocalDateTime local, boolean fold, ZoneId zone) {
        ZoneOffsetTransition transition = zone.getRules().getTransition(local);
        if (transition != null && transition.isGap()) {
            return local.toInstant(fold ? transition.getOffsetAfter() : transition.getOffsetBefore());
        }
        ZonedDateTime zoned = local.atZone(zone);
        return (fold ? zoned.withLaterOffsetAtOverlap() : zoned.withEarlierOffsetAtOverlap()).toInstant();
    }

    private static Instant toInstant(Object datetime) {
        if (datetime instanceof Instant instant) {
            return instant;
        }
        if (datetime instanceof OffsetDateTime offset) {
            return offset.toInstant();
        }
        if (datetime instanceof ZonedDateTime zoned) {
            return zoned.toInstant();
        }
        throw new IllegalArgumentException("not a datetime: " + datetime.getClass().getName());
    }
}
