package computer.aesthetic.moodsync.reconcile;

/** English for the summaries: a count and a noun, singular for one. */
final class Words {
    private Words() {
    }

    /**
     * Returns {@code n} and the noun, with an {@code s} unless {@code n} is 1.
     *
     * @param n the count
     * @param noun the singular noun, such as {@code "drift item"}
     * @return such as {@code "1 drift item"} or {@code "2 drift items"}
     */
    static String count(long n, String noun) {
        return n + " " + noun + (n == 1 ? "" : "s");
    }
}
