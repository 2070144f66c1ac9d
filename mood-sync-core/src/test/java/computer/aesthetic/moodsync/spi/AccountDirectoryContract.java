package computer.aesthetic.moodsync.spi;

import static org.assertj.core.api.Assertions.assertThat;

import computer.aesthetic.moodsync.UserId;
import computer.aesthetic.moodsync.syntax.Did;
import computer.aesthetic.moodsync.syntax.Handle;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * The contract of {@link AccountDirectory}, as its Javadoc states it. Every implementation subclasses this class and
 * supplies {@link #directoryWith(Map)}.
 *
 * <p>Published in the core test-jar. Subclasses may add their own tests.
 */
public abstract class AccountDirectoryContract {
    /** A user with an account. */
    protected static final UserId ALICE = new UserId("auth0|alice");
    /** Another user with an account. */
    protected static final UserId BOB = new UserId("auth0|bob");
    /** A user without an account. */
    protected static final UserId CAROL = new UserId("auth0|carol");
    /** Alice's account: handle and password. */
    protected static final Account ALICE_ACCOUNT = Account.of(Did.parse("did:plc:alice234567abcdefghijklm"),
            Handle.parse("alice.test"), Secret.of("alice-password"));
    /** Bob's account: a DID only. */
    protected static final Account BOB_ACCOUNT = new Account(Did.parse("did:web:bob.example.com"), Optional.empty(),
            Optional.empty(), Optional.empty());

    /**
     * Returns a new directory holding exactly these accounts. Called once per test.
     *
     * @param accounts the accounts by user, DIDs distinct
     * @return the directory
     */
    protected abstract AccountDirectory directoryWith(Map<UserId, Account> accounts);

    private AccountDirectory standard() {
        Map<UserId, Account> accounts = new LinkedHashMap<>();
        accounts.put(ALICE, ALICE_ACCOUNT);
        accounts.put(BOB, BOB_ACCOUNT);
        return directoryWith(accounts);
    }

    @Test
    void findsTheAccountOfAUser() {
        AccountDirectory d = standard();
        assertThat(d.findByUser(ALICE)).contains(ALICE_ACCOUNT);
        assertThat(d.findByUser(BOB)).contains(BOB_ACCOUNT);
    }

    @Test
    void aUserWithoutAccountYieldsEmpty() {
        AccountDirectory d = standard();
        assertThat(d.findByUser(CAROL)).isEmpty();
        assertThat(directoryWith(Map.of()).findByUser(ALICE)).isEmpty();
    }

    @Test
    void findsTheAccountAndUserOfADid() {
        AccountDirectory d = standard();
        assertThat(d.findByDid(ALICE_ACCOUNT.did())).contains(ALICE_ACCOUNT);
        assertThat(d.userOf(ALICE_ACCOUNT.did())).contains(ALICE);
        assertThat(d.userOf(BOB_ACCOUNT.did())).contains(BOB);
    }

    @Test
    void anUnknownDidYieldsEmpty() {
        AccountDirectory d = standard();
        Did unknown = Did.parse("did:plc:nobody4567abcdefghijklmn");
        assertThat(d.findByDid(unknown)).isEmpty();
        assertThat(d.userOf(unknown)).isEmpty();
    }

    @Test
    void lookUpsHaveNoSideEffects() {
        AccountDirectory d = standard();
        for (int i = 0; i < 3; i++) {
            assertThat(d.findByUser(ALICE)).contains(ALICE_ACCOUNT);
            assertThat(d.findByUser(CAROL)).isEmpty();
        }
    }

    @Test
    void theAccountsPasswordNeverPrints() {
        Account a = standard().findByUser(ALICE).orElseThrow();
        assertThat(a.password().orElseThrow().reveal()).isEqualTo("alice-password");
        assertThat(a.toString()).doesNotContain("alice-password");
    }
}
