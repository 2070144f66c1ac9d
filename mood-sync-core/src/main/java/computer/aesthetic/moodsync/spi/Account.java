package computer.aesthetic.moodsync.spi;

import computer.aesthetic.moodsync.syntax.Did;
import computer.aesthetic.moodsync.syntax.Handle;
import java.net.URI;
import java.util.Objects;
import java.util.Optional;

/**
 * A user's ATProto account as the host knows it. {@link #toString()} never shows the password.
 *
 * @param did the repository's DID
 * @param handle the handle, when known
 * @param pdsEndpoint the PDS that hosts the repository, when known (otherwise the client's default PDS, or
 *     the one the DID document names)
 * @param password the account's password or app password, when the host has one
 */
public record Account(Did did, Optional<Handle> handle, Optional<URI> pdsEndpoint, Optional<Secret> password) {
    /** Validates presence of every component. */
    public Account {
        Objects.requireNonNull(did, "did");
        Objects.requireNonNull(handle, "handle");
        Objects.requireNonNull(pdsEndpoint, "pdsEndpoint");
        Objects.requireNonNull(password, "password");
    }

    /**
     * Creates an account with a handle and a password on the default PDS.
     *
     * @param did the DID
     * @param handle the handle
     * @param password the password
     * @return the account
     */
    public static Account of(Did did, Handle handle, Secret password) {
        return new Account(did, Optional.of(handle), Optional.empty(), Optional.of(password));
    }
}
