package computer.aesthetic.moodsync.pds.internal;

import computer.aesthetic.moodsync.spi.Secret;
import computer.aesthetic.moodsync.syntax.Did;
import java.util.Objects;
import okhttp3.HttpUrl;

/**
 * A logged-in session on one PDS. {@link #toString()} never shows the tokens. Immutable and thread-safe.
 */
public final class Session {
    private final Did did;
    private final HttpUrl pds;
    private final Secret accessJwt;
    private final Secret refreshJwt;
    private final long generation;

    /**
     * Creates a session.
     *
     * @param did the account
     * @param pds the PDS the tokens are for
     * @param accessJwt the access token
     * @param refreshJwt the refresh token
     * @param generation a counter that grows with each new session of the account
     */
    public Session(Did did, HttpUrl pds, Secret accessJwt, Secret refreshJwt, long generation) {
        this.did = Objects.requireNonNull(did, "did");
        this.pds = Objects.requireNonNull(pds, "pds");
        this.accessJwt = Objects.requireNonNull(accessJwt, "accessJwt");
        this.refreshJwt = Objects.requireNonNull(refreshJwt, "refreshJwt");
        this.generation = generation;
    }

    /**
     * Returns the account.
     *
     * @return the DID
     */
    public Did did() {
        return did;
    }

    /**
     * Returns the PDS.
     *
     * @return the base URL
     */
    public HttpUrl pds() {
        return pds;
    }

    /**
     * Returns the {@code Authorization} header for calls.
     *
     * @return {@code Bearer <access token>}; never log it
     */
    public String accessAuthorization() {
        return "Bearer " + accessJwt.reveal();
    }

    /**
     * Returns the {@code Authorization} header for {@code refreshSession}.
     *
     * @return {@code Bearer <refresh token>}; never log it
     */
    public String refreshAuthorization() {
        return "Bearer " + refreshJwt.reveal();
    }

    /**
     * Returns the generation.
     *
     * @return the counter
     */
    public long generation() {
        return generation;
    }

    @Override
    public String toString() {
        return "Session[did=" + did + ", pds=" + pds + ", generation=" + generation + ", tokens=***]";
    }
}
