package computer.aesthetic.moodsync.pds;

import computer.aesthetic.moodsync.pds.testing.ReferencePds;
import computer.aesthetic.moodsync.pds.testing.ReferencePdsExtension;
import computer.aesthetic.moodsync.spi.AtprotoRepo;
import computer.aesthetic.moodsync.spi.AtprotoRepoContract;
import computer.aesthetic.moodsync.syntax.Did;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.extension.ExtendWith;

/** The whole {@link AtprotoRepoContract} against the reference PDS, as its first test account. */
@ExtendWith(ReferencePdsExtension.class)
class PdsAtprotoRepoIT extends AtprotoRepoContract {
    private static PdsAtprotoRepo repo;
    private static Did did;

    @BeforeAll
    static void connect(ReferencePds pds) {
        repo = ItAccounts.repo(pds).build();
        did = Did.parse(pds.account(0).did());
    }

    @Override
    protected AtprotoRepo repo() {
        return repo;
    }

    @Override
    protected Did did() {
        return did;
    }
}
