package computer.aesthetic.moodsync.sync.internal;

import java.io.ByteArrayOutputStream;

/** Unsigned LEB128 varints as used by CAR files and multicodec prefixes. Stateless. */
public final class Varint {
    private Varint() {
    }

    /**
     * Reads a minimally encoded varint of at most 9 bytes (63 bits) at {@code pos[0]} and advances it.
     *
     * @return the value, or -1 if truncated, over-long or not minimal
     */
    public static long read(byte[] b, int[] pos, int limit) {
        int p = pos[0];
        long value = 0;
        for (int i = 0; i < 9; i++) {
            if (p >= limit) {
                return -1;
            }
            int x = b[p++] & 0xff;
            value |= (long) (x & 0x7f) << (7 * i);
            if ((x & 0x80) == 0) {
                if (x == 0 && i > 0) {
                    return -1;
                }
                pos[0] = p;
                return value;
            }
        }
        return -1;
    }

    /** Appends {@code value} (non-negative) as a varint. */
    public static void write(ByteArrayOutputStream out, long value) {
        long v = value;
        while ((v & ~0x7fL) != 0) {
            out.write((int) ((v & 0x7f) | 0x80));
            v >>>= 7;
        }
        out.write((int) v);
    }
}
