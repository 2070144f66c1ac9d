package computer.aesthetic.moodsync.syntax;

import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An ATProto datetime string, kept exactly as written, for example
 * {@code 2025-10-09T12:00:00.000Z}.
 *
 * <p>The syntax is the intersection of RFC 3339 and ISO 8601: {@code YYYY-MM-DDTHH:MM:SS}, an
 * optional fraction of one or more digits, and a required timezone, either {@code Z} or
 * {@code +HH:MM}/{@code -HH:MM} ({@code -00:00} is not allowed). The {@code T} and {@code Z} are
 * upper case. At most {@value #MAX_LENGTH} characters.
 *
 * <p>Beyond syntax the value must denote a real instant, as in the reference implementation
 * ({@code @atproto/syntax}), which also requires {@code new Date(value)} to succeed: the day must
 * exist in its month and leap seconds ({@code :60}) are rejected; and the instant, in UTC, must
 * fall in the years 0000 to 9999, the range {@code toISOString()} writes with four digits (so
 * {@code 0000-01-01T00:00:00+01:00} is rejected). One deliberate difference: V8's
 * {@code Date} rolls a day that does not exist, such as {@code 1985-02-30}, over into the next
 * month, while this class rejects it.
 *
 * <p>Instances are immutable and thread-safe.
 *
 * @param value the datetime, exactly as given
 */
public record AtDatetime(String value) implements Comparable<AtDatetime> {

    /** Maximum length of a datetime in characters. */
    public static final int MAX_LENGTH = 64;

    private static final Pattern SYNTAX = Pattern.compile(
            "([0-9]{4})-(0[1-9]|1[012])-([0-2][0-9]|3[01])"
                    + "T([01][0-9]|2[0-3]):([0-5][0-9]):([0-5][0-9]|60)(\\.[0-9]+)?"
                    + "(Z|([+-])([01][0-9]|2[0-3]):([0-5][0-9]))");

    /** Seconds since the epoch of 0000-01-01T00:00:00Z. */
    private static final long MIN_EPOCH_SECOND =
            LocalDateTime.of(0, 1, 1, 0, 0).toEpochSecond(ZoneOffset.UTC);

    /** Seconds since the epoch of 10000-01-01T00:00:00Z (exclusive bound). */
    private static final long END_EPOCH_SECOND =
            LocalDateTime.of(10000, 1, 1, 0, 0).toEpochSecond(ZoneOffset.UTC);

    private static final DateTimeFormatter JS_ISO =
            DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);

    /**
     * Validates the datetime.
     *
     * @param value the datetime
     * @throws IllegalArgumentException if {@code value} is null or not a valid datetime
     */
    public AtDatetime {
        toInstant(value);
    }

    /**
     * Parses a datetime, keeping the string exactly as given.
     *
     * @param value the datetime
     * @return the datetime
     * @throws IllegalArgumentException if {@code value} is null or not a valid datetime
     */
    public static AtDatetime parse(String value) {
        return new AtDatetime(value);
    }

    /**
     * Parses a datetime, returning empty instead of throwing.
     *
     * @param value the datetime, may be null
     * @return the datetime, or empty if {@code value} is null or invalid
     */
    public static Optional<AtDatetime> tryParse(String value) {
        return Syntax.tryParse(value, AtDatetime::new);
    }

    /**
     * Formats an instant as JavaScript's {@code Date.prototype.toISOString()} does: UTC, exactly
     * three fractional digits (anything below a millisecond is truncated) and {@code Z}, for
     * example {@code 2025-10-09T12:00:00.000Z}.
     *
     * @param instant the instant
     * @return the datetime
     * @throws NullPointerException if {@code instant} is null
     * @throws IllegalArgumentException if the instant is outside the years 0000 to 9999 (UTC)
     */
    public static AtDatetime of(Instant instant) {
        long second = instant.getEpochSecond();
        if (second < MIN_EPOCH_SECOND || second >= END_EPOCH_SECOND) {
            throw new IllegalArgumentException(
                    "Expected an instant in the years 0000 to 9999 but found " + instant);
        }
        return new AtDatetime(JS_ISO.format(instant));
    }

    /**
     * Returns the instant this datetime denotes. Fraction digits beyond nanoseconds are truncated.
     *
     * @return the instant
     */
    public Instant instant() {
        return toInstant(value);
    }

    /**
     * Orders datetimes by instant, then by string (so that equal instants written differently
     * still have a consistent order, in line with {@link #equals(Object)}).
     *
     * @param other the datetime to compare with
     * @return negative, zero or positive as this datetime is before, equal to or after
     *     {@code other}
     */
    @Override
    public int compareTo(AtDatetime other) {
        int byInstant = instant().compareTo(other.instant());
        return byInstant != 0 ? byInstant : value.compareTo(other.value);
    }

    /**
     * Returns the datetime exactly as written.
     *
     * @return {@link #value()}
     */
    @Override
    public String toString() {
        return value;
    }

    private static Instant toInstant(String value) {
        if (value == null) {
            throw Syntax.invalid("datetime", "input is null", null);
        }
        if (value.length() > MAX_LENGTH) {
            throw Syntax.invalid("datetime of at most " + MAX_LENGTH + " chars",
                    "it is " + value.length() + " chars", value);
        }
        Matcher m = SYNTAX.matcher(value);
        if (!m.matches()) {
            throw Syntax.invalid("datetime like 1985-04-12T23:20:50.123Z (upper-case T, "
                    + "timezone Z or +HH:MM/-HH:MM required)", "syntax mismatch", value);
        }
        if (value.endsWith("-00:00")) {
            throw Syntax.invalid("datetime", "timezone -00:00 is not allowed", value);
        }
        int year = Integer.parseInt(m.group(1));
        int month = Integer.parseInt(m.group(2));
        int day = Integer.parseInt(m.group(3));
        int hour = Integer.parseInt(m.group(4));
        int minute = Integer.parseInt(m.group(5));
        int second = Integer.parseInt(m.group(6));
        String fraction = m.group(7);
        int nanos = 0;
        if (fraction != null) {
            String digits = (fraction.substring(1) + "000000000").substring(0, 9);
            nanos = Integer.parseInt(digits);
        }
        LocalDateTime local;
        try {
            local = LocalDateTime.of(year, month, day, hour, minute, second, nanos);
        } catch (DateTimeException e) {
            throw Syntax.invalid("datetime", "not a real date and time (" + e.getMessage() + ")",
                    value);
        }
        int offsetSeconds = 0;
        if (m.group(9) != null) {
            int hours = Integer.parseInt(m.group(10));
            int minutes = Integer.parseInt(m.group(11));
            offsetSeconds = (hours * 3600 + minutes * 60) * (m.group(9).equals("-") ? -1 : 1);
        }
        // Not local.toInstant(ZoneOffset): java.time caps offsets at 18 hours, the syntax at 23:59.
        Instant instant = Instant.ofEpochSecond(
                local.toEpochSecond(ZoneOffset.UTC) - offsetSeconds, local.getNano());
        if (instant.getEpochSecond() < MIN_EPOCH_SECOND
                || instant.getEpochSecond() >= END_EPOCH_SECOND) {
            throw Syntax.invalid("datetime", "in UTC it falls outside the years 0000 to 9999",
                    value);
        }
        return instant;
    }
}
