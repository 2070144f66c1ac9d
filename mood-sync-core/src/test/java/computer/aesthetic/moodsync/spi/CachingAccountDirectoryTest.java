package computer.aesthetic.moodsync.spi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import computer.aesthetic.moodsync.MutableClock;
import computer.aesthetic.moodsync.UserId;
import computer.aesthetic.moodsync.syntax.Did;
import computer.aesthetic.moodsync.syntax.Handle;
import computer.aesthetic.moodsync.testing.InMemoryAccountDirectory;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class CachingAccountDirectoryTest {
    static final UserId ALICE = new UserId("auth0|alice");
    static final Did DID = Did.parse("did:plc:alice00000000000000000000");

    final MutableClock clock = new MutableClock(Instant.parse("2026-11-28T10:00:00Z"));
    final InMemoryAccountDirectory real = InMemoryAccountDirectory.create();
    final AtomicInteger lookups = new AtomicInteger();
    final AccountDirectory counting = new AccountDirectory() {
        @Override
        public Optional<Account> findByUser(UserId user) {
            lookups.incrementAndGet();
            return real.findByUser(user);
        }

        @Override
        public Optional<Account> findByDid(Did did) {
            lookups.incrementAndGet();
            return real.findByDid(did);
        }

        @Override
        public Optional<UserId> userOf(Did did) {
            lookups.incrementAndGet();
            return real.userOf(did);
        }
    };
    final AccountDirectory cached = AccountDirectory.cached(counting, Duration.ofSeconds(30), clock);

    @Test
    void remembersFoundAccountsUntilTheTtlRunsOut() {
        real.put(ALICE, Account.of(DID, Handle.parse("alice.test"), Secret.of("old")));
        assertThat(cached.findByUser(ALICE)).isPresent();
        assertThat(cached.findByUser(ALICE)).isPresent();
        assertThat(cached.findByDid(DID)).isPresent();
        assertThat(cached.findByDid(DID)).isPresent();
        assertThat(lookups).hasValue(2);

        real.put(ALICE, Account.of(DID, Handle.parse("alice.test"), Secret.of("new")));
        clock.advance(Duration.ofSeconds(31));
        assertThat(cached.findByUser(ALICE).orElseThrow().password()).contains(Secret.of("new"));
        assertThat(lookups).hasValue(3);
    }

    @Test
    void neverRemembersAMissingAccount() {
        assertThat(cached.findByUser(ALICE)).isEmpty();
        real.put(ALICE, Account.of(DID, Handle.parse("alice.test"), Secret.of("pw")));
        assertThat(cached.findByUser(ALICE)).as("a user who just got an account is seen at once").isPresent();
        assertThat(cached.userOf(DID)).contains(ALICE);
    }

    @Test
    void forgetDropsWhatWasRememberedOfADid() {
        real.put(ALICE, Account.of(DID, Handle.parse("alice.test"), Secret.of("old")));
        cached.findByUser(ALICE);
        cached.findByDid(DID);
        real.put(ALICE, Account.of(DID, Handle.parse("alice.test"), Secret.of("new")));
        cached.forget(DID);
        assertThat(cached.findByDid(DID).orElseThrow().password()).contains(Secret.of("new"));
        assertThat(cached.findByUser(ALICE).orElseThrow().password()).contains(Secret.of("new"));
    }

    @Test
    void refusesANonPositiveTtl() {
        assertThatThrownBy(() -> AccountDirectory.cached(counting, Duration.ZERO, clock))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("ttl");
    }
}
