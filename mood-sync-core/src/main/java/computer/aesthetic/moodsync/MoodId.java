package computer.aesthetic.moodsync;

import java.security.SecureRandom;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;

/**
 * A mood's id: a MongoDB ObjectId in its 24-hex-digit form (lower case), such as {@code 65f1c0ffee0000000000abcd}.
 *
 * <p>The 12 bytes are, as in every ObjectId: 4 bytes of seconds since the Unix epoch (big-endian), 5 bytes
 * random per process, 3 bytes of a per-process counter. {@link #generate()} mints ids of exactly that shape,
 * so ids made by this library and by a MongoDB driver mix freely. Immutable and thread-safe.
 *
 * @param value the 24 lower-case hex digits
 */
public record MoodId(String value) implements Comparable<MoodId> {
    private static final Pattern HEX24 = Pattern.compile("[0-9a-f]{24}");
    private static final HexFormat HEX = HexFormat.of();
    private static final long PROCESS_RANDOM = new SecureRandom().nextLong() & 0xFF_FFFF_FFFFL;
    private static final AtomicInteger COUNTER = new AtomicInteger(new SecureRandom().nextInt(1 << 24));

    /**
     * Validates the id.
     *
     * @throws IllegalArgumentException if {@code value} is not 24 hex digits
     */
    public MoodId {
        Objects.requireNonNull(value, "value");
        if (!HEX24.matcher(value).matches()) {
            throw new IllegalArgumentException(
                    "a mood id must be 24 lower-case hex digits (an ObjectId), found " + Quote.of(value));
        }
    }

    /**
     * Parses a mood id, accepting upper-case hex digits and normalising them to lower case.
     *
     * @param text the 24 hex digits
     * @return the id
     * @throws IllegalArgumentException if {@code text} is not 24 hex digits
     */
    public static MoodId parse(String text) {
        Objects.requireNonNull(text, "text");
        return new MoodId(text.length() == 24 ? text.toLowerCase(java.util.Locale.ROOT) : text);
    }

    /**
     * Parses a mood id, or returns empty when {@code text} is null or not 24 hex digits.
     *
     * @param text the candidate, possibly null
     * @return the id, or empty
     */
    public static Optional<MoodId> tryParse(String text) {
        if (text == null || text.length() != 24) {
            return Optional.empty();
        }
        String lower = text.toLowerCase(java.util.Locale.ROOT);
        return HEX24.matcher(lower).matches() ? Optional.of(new MoodId(lower)) : Optional.empty();
    }

    /**
     * Builds an id from its 12 bytes.
     *
     * @param bytes exactly 12 bytes
     * @return the id
     * @throws IllegalArgumentException if {@code bytes} is not 12 bytes long
     */
    public static MoodId fromBytes(byte[] bytes) {
        if (bytes.length != 12) {
            throw new IllegalArgumentException("a mood id has 12 bytes, found " + bytes.length);
        }
        return new MoodId(HEX.formatHex(bytes));
    }

    /**
     * Mints a new id for the current time, shaped like a MongoDB ObjectId.
     *
     * @return a fresh id, unique within this process
     */
    public static MoodId generate() {
        return generate(Instant.now());
    }

    /**
     * Mints a new id whose timestamp is {@code time} (truncated to seconds), shaped like a MongoDB ObjectId.
     *
     * @param time the id's creation time; seconds must fit in 32 unsigned bits
     * @return a fresh id, unique within this process
     */
    public static MoodId generate(Instant time) {
        long seconds = time.getEpochSecond();
        if (seconds < 0 || seconds > 0xFFFF_FFFFL) {
            throw new IllegalArgumentException("an ObjectId's time must be within 1970..2106, found " + time);
        }
        int counter = COUNTER.getAndIncrement() & 0xFF_FFFF;
        return of(seconds, PROCESS_RANDOM, counter);
    }

    /**
     * Assembles an id from its three ObjectId parts.
     *
     * @param seconds seconds since the epoch, 0..2^32-1
     * @param random the 5 random bytes as a number, 0..2^40-1
     * @param counter the counter, 0..2^24-1
     * @return the id
     * @throws IllegalArgumentException if a part is out of range
     */
    public static MoodId of(long seconds, long random, int counter) {
        if (seconds < 0 || seconds > 0xFFFF_FFFFL || random < 0 || random > 0xFF_FFFF_FFFFL || counter < 0
                || counter > 0xFF_FFFF) {
            throw new IllegalArgumentException("ObjectId part out of range: seconds=" + seconds + ", random="
                    + random + ", counter=" + counter);
        }
        byte[] b = new byte[12];
        for (int i = 0; i < 4; i++) {
            b[i] = (byte) (seconds >>> (24 - 8 * i));
        }
        for (int i = 0; i < 5; i++) {
            b[4 + i] = (byte) (random >>> (32 - 8 * i));
        }
        for (int i = 0; i < 3; i++) {
            b[9 + i] = (byte) (counter >>> (16 - 8 * i));
        }
        return fromBytes(b);
    }

    /**
     * Returns the 12 bytes of the id.
     *
     * @return a fresh copy of the bytes
     */
    public byte[] toBytes() {
        return HEX.parseHex(value);
    }

    /**
     * Returns the id's timestamp: seconds since the epoch, from its first 4 bytes.
     *
     * @return the seconds, 0..2^32-1
     */
    public long seconds() {
        return Long.parseLong(value, 0, 8, 16);
    }

    /**
     * Returns the 5 per-process random bytes as a number.
     *
     * @return 0..2^40-1
     */
    public long random() {
        return Long.parseLong(value, 8, 18, 16);
    }

    /**
     * Returns the 3-byte counter.
     *
     * @return 0..2^24-1
     */
    public int counter() {
        return Integer.parseInt(value, 18, 24, 16);
    }

    /**
     * Returns the id's timestamp as an instant.
     *
     * @return the creation second
     */
    public Instant timestamp() {
        return Instant.ofEpochSecond(seconds());
    }

    @Override
    public int compareTo(MoodId other) {
        return value.compareTo(other.value);
    }

    @Override
    public String toString() {
        return value;
    }
}
