package computer.aesthetic.moodsync.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import computer.aesthetic.moodsync.UserId;
import computer.aesthetic.moodsync.spi.Account;
import computer.aesthetic.moodsync.spi.AccountDirectory;
import computer.aesthetic.moodsync.spi.AccountDirectoryContract;
import computer.aesthetic.moodsync.spi.Secret;
import computer.aesthetic.moodsync.syntax.Did;
import computer.aesthetic.moodsync.syntax.Handle;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class InMemoryAccountDirectoryTest extends AccountDirectoryContract {
    @Override
    protected AccountDirectory directoryWith(Map<UserId, Account> accounts) {
        InMemoryAccountDirectory d = InMemoryAccountDirectory.create();
        accounts.forEach(d::put);
        return d;
    }

    @Test
    void putReplacesAUsersAccountAndItsDid() {
        InMemoryAccountDirectory d = InMemoryAccountDirectory.create().put(ALICE, ALICE_ACCOUNT);
        Account moved = Account.of(Did.parse("did:plc:moved234567abcdefghijklm"), Handle.parse("alice.test"),
                Secret.of("new-password"));
        d.put(ALICE, moved);
        assertThat(d.findByUser(ALICE)).contains(moved);
        assertThat(d.findByDid(ALICE_ACCOUNT.did())).isEmpty();
        assertThat(d.userOf(moved.did())).contains(ALICE);
    }

    @Test
    void removeForgetsTheAccount() {
        InMemoryAccountDirectory d = InMemoryAccountDirectory.create().put(ALICE, ALICE_ACCOUNT);
        assertThat(d.remove(ALICE)).contains(ALICE_ACCOUNT);
        assertThat(d.remove(ALICE)).isEmpty();
        assertThat(d.findByUser(ALICE)).isEmpty();
        assertThat(d.userOf(ALICE_ACCOUNT.did())).isEmpty();
    }

    @Test
    void aDidBelongsToOneUser() {
        InMemoryAccountDirectory d = InMemoryAccountDirectory.create().put(ALICE, ALICE_ACCOUNT);
        assertThatThrownBy(() -> d.put(BOB, ALICE_ACCOUNT)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(ALICE.value());
        assertThat(d.findByUser(BOB)).isEmpty();
        d.put(ALICE, new Account(ALICE_ACCOUNT.did(), Optional.empty(), Optional.empty(), Optional.empty()));
        assertThat(d.findByUser(ALICE).orElseThrow().password()).isEmpty();
    }
}
