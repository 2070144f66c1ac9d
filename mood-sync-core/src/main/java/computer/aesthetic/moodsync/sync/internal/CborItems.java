package computer.aesthetic.moodsync.sync.internal;

/**
 * Finds where the first CBOR data item of a byte array ends, without decoding it, so that two
 * concatenated DAG-CBOR values (an event frame's header and body) can be split and each decoded
 * strictly. Stateless.
 */
public final class CborItems {
    private static final int MAX_DEPTH = 256;

    private CborItems() {
    }

    /**
     * Returns the offset just past the data item starting at {@code from}.
     *
     * @throws IllegalArgumentException if the item is truncated, indefinite-length, uses reserved
     *     encodings or nests deeper than 256 levels
     */
    public static int end(byte[] b, int from) {
        int[] pos = {from};
        skip(b, pos, 0);
        return pos[0];
    }

    private static void skip(byte[] b, int[] pos, int depth) {
        if (depth > MAX_DEPTH) {
            throw new IllegalArgumentException("CBOR nesting deeper than " + MAX_DEPTH + " levels");
        }
        if (pos[0] >= b.length) {
            throw new IllegalArgumentException("truncated CBOR: unexpected end of input at byte offset " + pos[0]);
        }
        int initial = b[pos[0]++] & 0xff;
        int major = initial >>> 5;
        int info = initial & 31;
        long arg = argument(b, pos, info);
        switch (major) {
            case 0, 1 -> {
                // integer: head only
            }
            case 2, 3 -> advance(b, pos, arg);
            case 4 -> {
                for (long i = 0; i < arg; i++) {
                    skip(b, pos, depth + 1);
                }
            }
            case 5 -> {
                for (long i = 0; i < arg; i++) {
                    skip(b, pos, depth + 1);
                    skip(b, pos, depth + 1);
                }
            }
            case 6 -> skip(b, pos, depth + 1);
            default -> {
                // simple values and floats: the head (with its argument bytes) is the whole item
            }
        }
    }

    private static void advance(byte[] b, int[] pos, long n) {
        if (n < 0 || n > b.length - pos[0]) {
            throw new IllegalArgumentException("truncated CBOR: a string of " + Long.toUnsignedString(n)
                    + " bytes exceeds the remaining input");
        }
        pos[0] += (int) n;
    }

    private static long argument(byte[] b, int[] pos, int info) {
        if (info < 24) {
            return info;
        }
        int n = switch (info) {
            case 24 -> 1;
            case 25 -> 2;
            case 26 -> 4;
            case 27 -> 8;
            default -> throw new IllegalArgumentException(
                    "indefinite-length or reserved CBOR head (additional information " + info + ")");
        };
        if (n > b.length - pos[0]) {
            throw new IllegalArgumentException("truncated CBOR head at byte offset " + pos[0]);
        }
        long v = 0;
        for (int i = 0; i < n; i++) {
            v = (v << 8) | (b[pos[0]++] & 0xff);
        }
        return v;
    }
}
