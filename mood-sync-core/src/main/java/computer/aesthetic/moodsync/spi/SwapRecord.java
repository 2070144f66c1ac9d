package computer.aesthetic.moodsync.spi;

import computer.aesthetic.moodsync.data.Cid;
import java.util.Objects;
import java.util.Optional;

/**
 * A write's precondition on the record's current state ({@code swapRecord} in XRPC).
 *
 * @param kind which precondition
 * @param cid the expected CID when {@code kind} is {@link Kind#CID}, otherwise empty
 */
public record SwapRecord(Kind kind, Optional<Cid> cid) {
    /** The kinds of precondition. */
    public enum Kind {
        /** No precondition ({@code swapRecord} omitted). */
        ANY,
        /** The record must not exist ({@code swapRecord: null} sent explicitly). */
        ABSENT,
        /** The record must currently have this CID. */
        CID
    }

    private static final SwapRecord ANY = new SwapRecord(Kind.ANY, Optional.empty());
    private static final SwapRecord ABSENT = new SwapRecord(Kind.ABSENT, Optional.empty());

    /** Validates that a CID is given exactly when the kind needs one. */
    public SwapRecord {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(cid, "cid");
        if ((kind == Kind.CID) != cid.isPresent()) {
            throw new IllegalArgumentException("a CID swap needs a CID, and only a CID swap has one");
        }
    }

    /**
     * No precondition.
     *
     * @return the unconditional swap
     */
    public static SwapRecord any() {
        return ANY;
    }

    /**
     * The record must not exist yet.
     *
     * @return the must-not-exist swap
     */
    public static SwapRecord absent() {
        return ABSENT;
    }

    /**
     * The record must currently have {@code cid}.
     *
     * @param cid the expected CID
     * @return the swap
     */
    public static SwapRecord cid(Cid cid) {
        return new SwapRecord(Kind.CID, Optional.of(cid));
    }
}
