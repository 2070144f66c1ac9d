package computer.aesthetic.moodsync.pds;

import computer.aesthetic.moodsync.UserId;
import computer.aesthetic.moodsync.pds.testing.ReferencePds;
import computer.aesthetic.moodsync.spi.Account;
import computer.aesthetic.moodsync.spi.AccountDirectory;
import computer.aesthetic.moodsync.spi.Secret;
import computer.aesthetic.moodsync.syntax.Did;
import computer.aesthetic.moodsync.syntax.Handle;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/** The reference PDS's test accounts as an {@link AccountDirectory}, and a repo client for them. */
class ItAccounts implements AccountDirectory {
    private final Map<Did, Account> accounts;

    ItAccounts(ReferencePds pds) {
        this.accounts = pds.accounts().stream().map(a -> new Account(Did.parse(a.did()),
                        Optional.of(Handle.parse(a.handle())), Optional.empty(), Optional.of(Secret.of(a.password()))))
                .collect(Collectors.toMap(Account::did, a -> a));
    }

    static PdsAtprotoRepo.Builder repo(ReferencePds pds) {
        return PdsAtprotoRepo.builder()
                .accounts(new ItAccounts(pds))
                .defaultPds(pds.url())
                .backoff(Duration.ofMillis(50), Duration.ofMillis(500));
    }

    @Override
    public Optional<Account> findByUser(UserId user) {
        return Optional.empty();
    }

    @Override
    public Optional<Account> findByDid(Did did) {
        return Optional.ofNullable(accounts.get(did));
    }

    @Override
    public Optional<UserId> userOf(Did did) {
        return Optional.empty();
    }
}
