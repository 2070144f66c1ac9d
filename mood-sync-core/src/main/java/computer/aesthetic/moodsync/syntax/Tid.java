package computer.aesthetic.moodsync.syntax;

import java.time.Instant;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * A timestamp identifier (TID), the usual record key of ATProto records, for example
 * {@code 3jzfcijpj2z2a}.
 *
 * <p>A TID is a 64-bit integer, written as 13 characters of the base32-sortable alphabet
 * {@code 234567abcdefghijklmnopqrstuvwxyz}, most significant first (5 bits a character, the first
 * character carrying the top 4 bits, hence one of {@code 234567abcdefghij}). The integer is laid
 * out as: top bit 0, 53 bits of microseconds since the Unix epoch, 10 bits of clock id. Because
 * the alphabet is in ASCII order, string order equals numeric order.
 *
 * <p>The syntax allows a first character of {@code c}-{@code j}, which sets the top bit that
 * conforming generators leave 0. Such TIDs parse (as the spec's syntax requires), their
 * {@link #toLong()} is negative and {@link #micros()} includes the top bit.
 *
 * <p>Instances are immutable and thread-safe. Use {@link TidClock} to generate new TIDs.
 *
 * @param value the 13-character TID
 */
public record Tid(String value) implements Comparable<Tid> {

    /** Length of a TID in characters. */
    public static final int LENGTH = 13;

    /** The base32-sortable alphabet, in ascending order. */
    static final String ALPHABET = "234567abcdefghijklmnopqrstuvwxyz";

    /** Largest microseconds value a TID can carry: 2<sup>53</sup>-1. */
    public static final long MAX_MICROS = (1L << 53) - 1;

    /** Largest clock id: 1023. */
    public static final int MAX_CLOCK_ID = 1023;

    private static final Pattern SYNTAX =
            Pattern.compile("[234567abcdefghij][234567abcdefghijklmnopqrstuvwxyz]{12}");

    /**
     * Validates the TID.
     *
     * @param value the 13-character TID
     * @throws IllegalArgumentException if {@code value} is null or not a valid TID
     */
    public Tid {
        if (value == null) {
            throw Syntax.invalid("TID", "input is null", null);
        }
        if (value.length() != LENGTH || !SYNTAX.matcher(value).matches()) {
            throw Syntax.invalid("TID of 13 chars of [234567a-z] starting with one of "
                    + "234567abcdefghij", "syntax mismatch", value);
        }
    }

    /**
     * Parses a TID.
     *
     * @param value the TID
     * @return the TID
     * @throws IllegalArgumentException if {@code value} is null or not a valid TID
     */
    public static Tid parse(String value) {
        return new Tid(value);
    }

    /**
     * Parses a TID, returning empty instead of throwing.
     *
     * @param value the TID, may be null
     * @return the TID, or empty if {@code value} is null or invalid
     */
    public static Optional<Tid> tryParse(String value) {
        return Syntax.tryParse(value, Tid::new);
    }

    /**
     * Builds the TID for a timestamp and clock id.
     *
     * @param micros microseconds since the Unix epoch, 0 to 2<sup>53</sup>-1
     * @param clockId the clock id, 0 to 1023
     * @return the TID
     * @throws IllegalArgumentException if either argument is out of range
     */
    public static Tid of(long micros, int clockId) {
        if (micros < 0 || micros > MAX_MICROS) {
            throw new IllegalArgumentException(
                    "Expected micros in 0.." + MAX_MICROS + " but found " + micros);
        }
        if (clockId < 0 || clockId > MAX_CLOCK_ID) {
            throw new IllegalArgumentException(
                    "Expected clockId in 0.." + MAX_CLOCK_ID + " but found " + clockId);
        }
        return fromLong((micros << 10) | clockId);
    }

    /**
     * Builds the TID whose integer form is {@code value}.
     *
     * @param value the 64-bit TID integer; the top bit must be 0 (so {@code value >= 0})
     * @return the TID
     * @throws IllegalArgumentException if {@code value} is negative
     */
    public static Tid fromLong(long value) {
        if (value < 0) {
            throw new IllegalArgumentException(
                    "Expected a TID integer with top bit 0 (non-negative) but found " + value);
        }
        char[] chars = new char[LENGTH];
        long rest = value;
        for (int i = LENGTH - 1; i >= 0; i--) {
            chars[i] = ALPHABET.charAt((int) (rest & 31));
            rest >>>= 5;
        }
        return new Tid(new String(chars));
    }

    /**
     * Returns the 64-bit integer this TID encodes.
     *
     * @return the integer; negative only for TIDs starting with {@code c}-{@code j}
     */
    public long toLong() {
        long result = 0;
        for (int i = 0; i < LENGTH; i++) {
            result = (result << 5) | ALPHABET.indexOf(value.charAt(i));
        }
        return result;
    }

    /**
     * Returns the timestamp part: microseconds since the Unix epoch.
     *
     * @return {@code toLong() >>> 10}
     */
    public long micros() {
        return toLong() >>> 10;
    }

    /**
     * Returns the clock id part.
     *
     * @return the low 10 bits, 0 to 1023
     */
    public int clockId() {
        return (int) (toLong() & MAX_CLOCK_ID);
    }

    /**
     * Returns the timestamp part as an instant.
     *
     * @return the instant {@link #micros()} after the Unix epoch
     */
    public Instant instant() {
        long micros = micros();
        return Instant.ofEpochSecond(micros / 1_000_000L, (micros % 1_000_000L) * 1_000L);
    }

    /**
     * Returns this TID as a record key (every TID is a valid record key).
     *
     * @return the record key with the same value
     */
    public RecordKey toRecordKey() {
        return new RecordKey(value);
    }

    /**
     * Orders TIDs by their integer value, which equals string order.
     *
     * @param other the TID to compare with
     * @return negative, zero or positive as this TID is before, equal to or after {@code other}
     */
    @Override
    public int compareTo(Tid other) {
        return value.compareTo(other.value);
    }

    /**
     * Returns the TID.
     *
     * @return {@link #value()}
     */
    @Override
    public String toString() {
        return value;
    }
}
