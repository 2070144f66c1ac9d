package computer.aesthetic.moodsync.pds.internal;

import computer.aesthetic.moodsync.PdsAuthenticationException;
import computer.aesthetic.moodsync.PdsException;
import computer.aesthetic.moodsync.RateLimitedException;
import computer.aesthetic.moodsync.spi.Account;
import computer.aesthetic.moodsync.spi.Secret;
import computer.aesthetic.moodsync.syntax.Did;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import okhttp3.HttpUrl;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * One cached session per account, shared by all threads. A login ({@code createSession}) happens once per account;
 * a rejected access token is renewed with {@code refreshSession}, falling back to a new login, and concurrent
 * callers holding the same stale session cause exactly one renewal (single flight per account). A failed login or
 * renewal is single flight too: callers that waited for it get its failure, and so do callers for a short cooldown
 * after it. The session's DID must be the account's: an answer naming another DID, or none, is refused (and, for a
 * login, cooled down like a refused password). A refused password
 * is remembered for a while so that a worker does not burn the PDS's login limit (30 per 5 minutes) on it; a
 * changed password is tried at once. Thread-safe.
 */
public final class Sessions {
    private static final Logger LOG = LoggerFactory.getLogger(Sessions.class);
    static final String CREATE = "com.atproto.server.createSession";
    static final String REFRESH = "com.atproto.server.refreshSession";

    private final Resilience resilience;
    private final Clock clock;
    private final Duration loginFailureCooldown;
    private final Duration failureCooldown;
    private final ConcurrentMap<Did, Slot> slots = new ConcurrentHashMap<>();
    private final AtomicLong generations = new AtomicLong();

    private static final class Slot {
        final ReentrantLock lock = new ReentrantLock();
        volatile Session session;
        Secret refusedPassword;
        Instant refusedUntil;
        PdsAuthenticationException refusal;
        /** Completed login or renewal attempts; read before waiting for the lock, to share a failed flight. */
        volatile long flights;
        /** The session whose renewal failed ({@link #LOGIN} for a failed login), the failure, and until when it holds. */
        Object failedFrom;
        PdsException failure;
        Instant failureUntil;
    }

    private static final Object LOGIN = new Object();

    /**
     * Creates the cache.
     *
     * @param clock the clock
     * @param resilience retries for logins
     * @param loginFailureCooldown how long a refused password is not tried again
     * @param failureCooldown how long another failure of a login or renewal (an outage) is handed to later callers
     *     instead of being tried again; callers that waited for the failed attempt always get its failure
     */
    public Sessions(Clock clock, Resilience resilience, Duration loginFailureCooldown, Duration failureCooldown) {
        this.failureCooldown = Objects.requireNonNull(failureCooldown, "failureCooldown");
        this.resilience = Objects.requireNonNull(resilience, "resilience");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.loginFailureCooldown = Objects.requireNonNull(loginFailureCooldown, "loginFailureCooldown");
    }

    private Slot slot(Did did) {
        return slots.computeIfAbsent(did, d -> new Slot());
    }

    /**
     * Returns the account's session on {@code pds}, logging in when there is none.
     *
     * @param xrpc the transport to the PDS
     * @param account the account with its password
     * @param pds the PDS
     * @param hostKey the circuit breaker key of the PDS
     * @return the session
     * @throws PdsAuthenticationException if the password is missing or refused
     * @throws PdsException on other failures
     */
    public Session current(Xrpc xrpc, Account account, HttpUrl pds, String hostKey) {
        Slot slot = slot(account.did());
        Session s = slot.session;
        if (s != null && s.pds().equals(pds)) {
            return s;
        }
        long seen = slot.flights;
        slot.lock.lock();
        try {
            s = slot.session;
            if (s != null && s.pds().equals(pds)) {
                return s;
            }
            rethrowShared(slot, LOGIN, seen);
            try {
                s = login(xrpc, slot, account, pds, hostKey, true);
            } catch (PdsException e) {
                remember(slot, LOGIN, e);
                throw e;
            } finally {
                slot.flights++;
            }
            slot.failure = null;
            slot.session = s;
            return s;
        } finally {
            slot.lock.unlock();
        }
    }

    /**
     * Replaces a session whose access token the PDS refused: the first caller refreshes it (or logs in again when
     * the refresh is refused); callers that hold the same stale session get the renewed one without another call.
     *
     * @param xrpc the transport to the PDS
     * @param account the account
     * @param stale the session that was refused
     * @param hostKey the circuit breaker key of the PDS
     * @return a renewed session
     * @throws PdsAuthenticationException if the password is refused
     * @throws PdsException on other failures
     */
    public Session renew(Xrpc xrpc, Account account, Session stale, String hostKey) {
        Slot slot = slot(account.did());
        long seen = slot.flights;
        slot.lock.lock();
        try {
            Session s = slot.session;
            if (s != null && s != stale && s.pds().equals(stale.pds())) {
                return s; // another caller renewed it while we waited
            }
            rethrowShared(slot, stale, seen);
            try {
                s = renewOnce(xrpc, slot, account, stale, hostKey);
            } catch (PdsException e) {
                remember(slot, stale, e);
                throw e;
            } finally {
                slot.flights++;
            }
            slot.failure = null;
            slot.session = s;
            return s;
        } finally {
            slot.lock.unlock();
        }
    }

    /** A failure of the attempt this caller waited for, or one still cooling down, is this caller's too. */
    private void rethrowShared(Slot slot, Object from, long seen) {
        if (slot.failure != null && slot.failedFrom == from
                && (slot.flights != seen || clock.instant().isBefore(slot.failureUntil))) {
            throw slot.failure;
        }
    }

    private void remember(Slot slot, Object from, PdsException e) {
        if (e instanceof PdsAuthenticationException) {
            return; // refusals have their own cooldown, which knows that a changed password may be tried at once
        }
        Instant now = clock.instant();
        Instant until = now.plus(failureCooldown);
        Instant retryAt = e.retryAt().orElse(null);
        if (retryAt != null && retryAt.isAfter(until)) {
            until = retryAt.isAfter(now.plus(Xrpc.MAX_RETRY_DELAY)) ? now.plus(Xrpc.MAX_RETRY_DELAY) : retryAt;
        }
        slot.failedFrom = from;
        slot.failure = e;
        slot.failureUntil = until;
    }

    private Session renewOnce(Xrpc xrpc, Slot slot, Account account, Session stale, String hostKey) {
        { // one refresh, falling back to one login when the refresh is refused
            Session s;
            try {
                s = refresh(xrpc, stale);
                LOG.debug("refreshed the session of {}", account.did());
            } catch (RateLimitedException e) {
                throw e;
            } catch (PdsAuthenticationException e) {
                slot.session = null; // an answer for another DID: this session is done for
                throw e;
            } catch (PdsException e) {
                if (e.httpStatus() != 400 && e.httpStatus() != 401) {
                    throw e;
                }
                LOG.info("refreshing the session of {} was refused ({}); logging in again", account.did(), e.label());
                try {
                    s = login(xrpc, slot, account, stale.pds(), hostKey, false);
                } catch (PdsAuthenticationException refused) {
                    slot.session = null; // neither token nor password works: the next call starts from a login
                    throw refused;
                }
            }
            return s;
        }
    }

    /**
     * Forgets an account's session (the next call logs in again).
     *
     * @param did the account
     */
    public void forget(Did did) {
        Slot slot = slots.get(did);
        if (slot != null) {
            slot.session = null;
        }
    }

    private Session refresh(Xrpc xrpc, Session stale) {
        XrpcResponse r = xrpc.procedure(stale.pds(), REFRESH, null,
                stale.refreshAuthorization());
        return sessionFrom(stale.did(), stale.pds(), r, REFRESH);
    }

    private Session login(Xrpc xrpc, Slot slot, Account account, HttpUrl pds, String hostKey, boolean retries) {
        Did did = account.did();
        Secret password = account.password().orElseThrow(() -> new PdsAuthenticationException(0, null,
                "the AccountDirectory has no password for " + did + "; cannot log in to " + pds));
        Instant now = clock.instant();
        if (slot.refusal != null && password.equals(slot.refusedPassword) && now.isBefore(slot.refusedUntil)) {
            throw new PdsAuthenticationException(slot.refusal.httpStatus(), slot.refusal.errorName().orElse(null),
                    "the PDS refused the password of " + did + " at " + slot.refusedUntil.minus(loginFailureCooldown)
                            + "; not trying the same password again before " + slot.refusedUntil);
        }
        ObjectNode body = JsonNodeFactory.instance.objectNode();
        body.put("identifier", did.value());
        body.put("password", password.reveal());
        XrpcResponse r;
        try {
            // inside a call that is already being retried (renewal), log in once: no nested retries
            r = retries
                    ? resilience.call(hostKey, Resilience.Safety.IDEMPOTENT, () -> createSession(xrpc, pds, body, password))
                    : createSession(xrpc, pds, body, password);
        } catch (RateLimitedException e) {
            throw e;
        } catch (PdsException e) {
            if (e.httpStatus() == 400 || e.httpStatus() == 401 || e.httpStatus() == 403) {
                PdsAuthenticationException refusal = new PdsAuthenticationException(e.httpStatus(),
                        e.errorName().orElse(null), "the PDS " + pds + " refused to log in " + did + ": "
                                + e.label() + " (check the account's password in the AccountDirectory)");
                throw refuse(slot, password, now, refusal);
            }
            throw e;
        }
        Session s;
        try {
            s = sessionFrom(did, pds, r, CREATE);
        } catch (PdsAuthenticationException wrongDid) {
            // an answer for another DID (or none) is a refusal too: cooled down, not tried on every write
            throw refuse(slot, password, now, wrongDid);
        }
        slot.refusal = null;
        slot.refusedPassword = null;
        LOG.info("logged in {} on {}", did, pds);
        return s;
    }

    private PdsAuthenticationException refuse(Slot slot, Secret password, Instant now,
            PdsAuthenticationException refusal) {
        slot.refusedPassword = password;
        slot.refusedUntil = now.plus(loginFailureCooldown);
        slot.refusal = refusal;
        LOG.warn("login refused: {}", refusal.getMessage());
        return refusal;
    }

    private static XrpcResponse createSession(Xrpc xrpc, HttpUrl pds, ObjectNode body, Secret password) {
        return xrpc.procedure(pds, CREATE, body, null, h -> { }, List.of(password.reveal()));
    }

    private Session sessionFrom(Did did, HttpUrl pds, XrpcResponse r, String nsid) {
        JsonNode body = r.body();
        String access = JsonValues.string(body, "accessJwt");
        String refresh = JsonValues.string(body, "refreshJwt");
        if (access == null || access.isEmpty() || refresh == null || refresh.isEmpty()) {
            throw new PdsException(200, null, nsid + ": expected accessJwt and refreshJwt in the answer, found "
                    + (access == null ? "no accessJwt" : "an accessJwt") + " and "
                    + (refresh == null ? "no refreshJwt" : "a refreshJwt"), true, null, null);
        }
        String answeredDid = JsonValues.string(body, "did");
        if (!did.value().equals(answeredDid)) {
            throw new PdsAuthenticationException(200, null, nsid + ": logged in as " + did + " but the PDS answered"
                    + (answeredDid == null ? " with no did" : " for " + r.redact(answeredDid))
                    + "; the session's DID must be the repository's");
        }
        return new Session(did, pds, Secret.of(access), Secret.of(refresh), generations.incrementAndGet());
    }

    @Override
    public String toString() {
        return "Sessions[accounts=" + slots.size() + "]";
    }
}
