package computer.aesthetic.moodsync.spi;

import computer.aesthetic.moodsync.UserId;
import computer.aesthetic.moodsync.syntax.Did;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * Remembers the accounts a directory found for a while, so a write does not cost a database round trip per look-up.
 * Only found accounts are remembered: a user who gets an account is seen at once. Thread-safe.
 */
final class CachingAccountDirectory implements AccountDirectory {
    private static final int MAX_ENTRIES = 100_000;

    private record Entry<T>(T value, Instant until) {
    }

    private final AccountDirectory delegate;
    private final Duration ttl;
    private final Clock clock;
    private final ConcurrentHashMap<UserId, Entry<Account>> byUser = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<Did, Entry<Account>> byDid = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<Did, Entry<UserId>> users = new ConcurrentHashMap<>();

    CachingAccountDirectory(AccountDirectory delegate, Duration ttl, Clock clock) {
        this.delegate = Objects.requireNonNull(delegate, "delegate");
        this.ttl = Objects.requireNonNull(ttl, "ttl");
        this.clock = Objects.requireNonNull(clock, "clock");
        if (ttl.isNegative() || ttl.isZero()) {
            throw new IllegalArgumentException("a cache ttl must be positive, found " + ttl);
        }
    }

    @Override
    public Optional<Account> findByUser(UserId user) {
        return cached(byUser, user, delegate::findByUser);
    }

    @Override
    public Optional<Account> findByDid(Did did) {
        return cached(byDid, did, delegate::findByDid);
    }

    @Override
    public Optional<UserId> userOf(Did did) {
        return cached(users, did, delegate::userOf);
    }

    @Override
    public void forget(Did did) {
        Objects.requireNonNull(did, "did");
        byDid.remove(did);
        users.remove(did);
        byUser.values().removeIf(e -> e.value().did().equals(did));
        delegate.forget(did);
    }

    private <K, V> Optional<V> cached(ConcurrentHashMap<K, Entry<V>> cache, K key, Function<K, Optional<V>> lookup) {
        Objects.requireNonNull(key, "key");
        Instant now = clock.instant();
        Entry<V> e = cache.get(key);
        if (e != null && now.isBefore(e.until())) {
            return Optional.of(e.value());
        }
        Optional<V> found = lookup.apply(key);
        if (found.isPresent()) {
            if (cache.size() >= MAX_ENTRIES) {
                cache.clear(); // crude bound: a host with more active users than this just looks up again
            }
            cache.put(key, new Entry<>(found.get(), now.plus(ttl)));
        } else {
            cache.remove(key);
        }
        return found;
    }

    @Override
    public String toString() {
        return "CachingAccountDirectory[" + delegate + ", ttl=" + ttl + "]";
    }
}
