package computer.aesthetic.moodsync.sync.internal;

import java.util.Arrays;

/** Base58btc (the Bitcoin alphabet) as used by multibase {@code z} strings. Stateless. */
public final class Base58 {
    private static final String ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
    private static final byte[] VALUES = new byte[128];

    static {
        Arrays.fill(VALUES, (byte) -1);
        for (int i = 0; i < ALPHABET.length(); i++) {
            VALUES[ALPHABET.charAt(i)] = (byte) i;
        }
    }

    private Base58() {
    }

    /** Encodes bytes as base58btc text (without a multibase prefix). */
    public static String encode(byte[] data) {
        int zeros = 0;
        while (zeros < data.length && data[zeros] == 0) {
            zeros++;
        }
        byte[] digits = new byte[data.length * 2];
        int len = 0;
        for (int i = zeros; i < data.length; i++) {
            int carry = data[i] & 0xff;
            for (int j = 0; j < len; j++) {
                carry += (digits[j] & 0xff) << 8;
                digits[j] = (byte) (carry % 58);
                carry /= 58;
            }
            while (carry > 0) {
                digits[len++] = (byte) (carry % 58);
                carry /= 58;
            }
        }
        StringBuilder sb = new StringBuilder(zeros + len);
        sb.append("1".repeat(zeros));
        for (int i = len - 1; i >= 0; i--) {
            sb.append(ALPHABET.charAt(digits[i]));
        }
        return sb.toString();
    }

    /**
     * Decodes base58btc text from index {@code from}.
     *
     * @throws IllegalArgumentException on a character outside the alphabet
     */
    public static byte[] decode(String s, int from) {
        int zeros = 0;
        while (from + zeros < s.length() && s.charAt(from + zeros) == '1') {
            zeros++;
        }
        byte[] bytes = new byte[s.length()];
        int len = 0;
        for (int i = from + zeros; i < s.length(); i++) {
            char c = s.charAt(i);
            int carry = c < 128 ? VALUES[c] : -1;
            if (carry < 0) {
                throw new IllegalArgumentException("character '" + c + "' at index " + i
                        + " is not in the base58btc alphabet");
            }
            for (int j = 0; j < len; j++) {
                carry += (bytes[j] & 0xff) * 58;
                bytes[j] = (byte) carry;
                carry >>>= 8;
            }
            while (carry > 0) {
                bytes[len++] = (byte) carry;
                carry >>>= 8;
            }
        }
        byte[] out = new byte[zeros + len];
        for (int i = 0; i < len; i++) {
            out[zeros + i] = bytes[len - 1 - i];
        }
        return out;
    }
}
