package computer.aesthetic.moodsync.pds;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import computer.aesthetic.moodsync.PdsAuthenticationException;
import computer.aesthetic.moodsync.PdsException;
import computer.aesthetic.moodsync.data.DagCbor;
import computer.aesthetic.moodsync.pds.testing.ReferencePds;
import computer.aesthetic.moodsync.pds.testing.ReferencePdsExtension;
import computer.aesthetic.moodsync.spi.Account;
import computer.aesthetic.moodsync.spi.CreateResult;
import computer.aesthetic.moodsync.spi.RepoRecord;
import computer.aesthetic.moodsync.spi.RepoWrite;
import computer.aesthetic.moodsync.spi.Secret;
import computer.aesthetic.moodsync.spi.SwapRecord;
import computer.aesthetic.moodsync.spi.WriteResult;
import computer.aesthetic.moodsync.syntax.Did;
import computer.aesthetic.moodsync.syntax.Handle;
import computer.aesthetic.moodsync.syntax.Nsid;
import computer.aesthetic.moodsync.syntax.RecordKey;
import computer.aesthetic.moodsync.syntax.TidClock;
import java.net.URI;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The reference PDS behaviours of ATPROTO-NOTES.md, seen through the client, as the second test account. */
@ExtendWith(ReferencePdsExtension.class)
class PdsBehavioursIT {
    private static final Nsid MOOD = Nsid.parse("computer.aesthetic.mood");
    private static final TidClock TIDS = TidClock.create();
    private static ReferencePds pds;
    private static PdsAtprotoRepo repo;
    private static Did did;

    @BeforeAll
    static void connect(ReferencePds shared) {
        pds = shared;
        repo = ItAccounts.repo(pds).build();
        did = Did.parse(pds.account(1).did());
    }

    private static Map<String, Object> mood(String text) {
        Map<String, Object> v = new LinkedHashMap<>();
        v.put("$type", MOOD.value());
        v.put("mood", text);
        v.put("when", "2025-10-09T12:00:00.000Z");
        v.put("ref", "0123456789abcdef01234567");
        return v;
    }

    private static RecordKey key() {
        return TIDS.next().toRecordKey();
    }

    @Test
    void anIdenticalPutIsANoOpWithTheSameCid() {
        RecordKey k = key();
        WriteResult first = repo.putRecord(did, MOOD, k, mood("same"), SwapRecord.any());
        WriteResult again = repo.putRecord(did, MOOD, k, mood("same"), SwapRecord.any());
        assertThat(first.changed()).isTrue();
        assertThat(again.changed()).isFalse();
        assertThat(again.cid()).isEqualTo(first.cid()).contains(DagCbor.cidOf(mood("same")));
    }

    @Test
    void aCreateOfAnExistingRecordInApplyWritesIsReportedClearly() {
        RecordKey k = key();
        repo.putRecord(did, MOOD, k, mood("exists"), SwapRecord.any());
        RecordKey fresh = key();

        assertThatThrownBy(() -> repo.applyWrites(did, List.of(new RepoWrite.Create(MOOD, fresh, mood("new")),
                new RepoWrite.Create(MOOD, k, mood("clash")))))
                .isInstanceOf(PdsException.class)
                .hasMessageContaining("com.atproto.repo.applyWrites")
                .hasMessageContaining("create targets an existing record")
                .satisfies(e -> assertThat(((PdsException) e).httpStatus()).isEqualTo(500));
        assertThat(repo.getRecord(did, MOOD, fresh)).as("all or nothing").isEmpty();
        assertThat(repo.getRecord(did, MOOD, k).orElseThrow().value()).containsEntry("mood", "exists");
    }

    @Test
    void createIfAbsentOnAnExistingRecordReturnsItUntouched() {
        RecordKey k = key();
        repo.putRecord(did, MOOD, k, mood("first"), SwapRecord.any());
        CreateResult r = repo.createIfAbsent(did, MOOD, k, mood("second"));
        assertThat(r.created()).isFalse();
        assertThat(r.existing().orElseThrow().value()).containsEntry("mood", "first");
        CreateResult created = repo.createIfAbsent(did, MOOD, key(), mood("third"));
        assertThat(created.created()).isTrue();
    }

    @Test
    void twoHundredWritesGoInOneCallAndTwoHundredOneInTwo() {
        List<RepoWrite> creates = new ArrayList<>();
        for (int i = 0; i < 201; i++) {
            creates.add(new RepoWrite.Create(MOOD, key(), mood("bulk " + i)));
        }
        List<WriteResult> results = repo.applyWrites(did, creates);
        assertThat(results).hasSize(201);
        for (int i = 0; i < 201; i++) {
            assertThat(results.get(i).cid()).contains(DagCbor.cidOf(((RepoWrite.Create) creates.get(i)).value()));
        }
        List<RepoWrite> deletes = creates.stream().<RepoWrite>map(w -> new RepoWrite.Delete(MOOD, w.rkey())).toList();
        repo.applyWrites(did, deletes.subList(0, 200));
        repo.applyWrites(did, deletes.subList(200, 201));
        assertThat(repo.getRecord(did, MOOD, creates.get(0).rkey())).isEmpty();
    }

    @Test
    void listAllFollowsTheCursorToTheEnd() {
        Nsid c = Nsid.parse("computer.aesthetic.moodsynctest.list" + System.nanoTime() % 100000);
        List<RepoWrite> creates = new ArrayList<>();
        for (int i = 0; i < 150; i++) {
            Map<String, Object> v = mood("listed " + i);
            v.put("$type", c.value());
            creates.add(new RepoWrite.Create(c, key(), v));
        }
        repo.applyWrites(did, creates);
        List<RepoRecord> all = repo.listAll(did, c).toList();
        assertThat(all).extracting(RepoRecord::rkey)
                .containsExactlyElementsOf(creates.stream().map(RepoWrite::rkey).toList());
        repo.applyWrites(did, creates.stream().<RepoWrite>map(w -> new RepoWrite.Delete(c, w.rkey())).toList());
    }

    @Test
    void aWrongPasswordIsAnAuthenticationFailure() {
        Did d = Did.parse(pds.account(1).did());
        PdsAtprotoRepo wrong = PdsAtprotoRepo.builder().defaultPds(pds.url()).accounts(new ItAccounts(pds) {
            @Override
            public Optional<Account> findByDid(Did did) {
                return Optional.of(Account.of(did, Handle.parse("bob.test"), Secret.of("not-the-password")));
            }
        }).build();
        assertThatThrownBy(() -> wrong.putRecord(d, MOOD, key(), mood("x"), SwapRecord.any()))
                .isInstanceOf(PdsAuthenticationException.class)
                .satisfies(e -> assertThat(((PdsException) e).httpStatus()).isEqualTo(401));
    }

    @Test
    void identityResolvesHandleDidAndPds() {
        IdentityResolver resolver = IdentityResolver.builder().handleResolver(pds.url()).plcDirectory(pds.plcUrl())
                .allowInsecureEndpoints(true).build();
        Did alice = Did.parse(pds.account(0).did());
        assertThat(resolver.resolveHandle(Handle.parse(pds.account(0).handle()))).contains(alice);
        assertThat(resolver.resolveHandle(Handle.parse("nobody-here.test"))).isEmpty();
        URI endpoint = resolver.resolvePds(alice).orElseThrow();
        assertThat(endpoint.getPort()).isEqualTo(URI.create(pds.url()).getPort());
        DidDocument aliceDoc = resolver.resolveDid(alice).orElseThrow();
        assertThat(aliceDoc.handle()).contains(Handle.parse(pds.account(0).handle()));
        assertThat(aliceDoc.atprotoKey()).as("the reference PLC's #atproto key").hasValueSatisfying(vm ->
                assertThat(computer.aesthetic.moodsync.sync.DidKey.fromVerificationMethod(vm.type(),
                        vm.publicKeyMultibase()).curve()).isNotNull());
        assertThat(new computer.aesthetic.moodsync.pds.sync.RepoKeys(new okhttp3.OkHttpClient(), pds.plcUrl())
                .key(alice)).as("RepoKeys' strict resolver reads the operator's PLC").isNotNull();
        IdentityResolver strict = IdentityResolver.builder().plcDirectory(pds.plcUrl()).build();
        assertThatThrownBy(() -> strict.resolvePds(alice)).isInstanceOf(PdsException.class)
                .hasMessageContaining("refusing");
    }

    @Test
    void theAdminDeletesAnAccount() {
        Did charlie = Did.parse(pds.account(2).did());
        repo.putRecord(charlie, MOOD, key(), mood("soon gone"), SwapRecord.any());
        PdsAdmin admin = PdsAdmin.builder().pds(pds.url()).adminPassword(Secret.of(pds.adminPassword())).build();

        admin.deleteAccount(charlie);

        PdsAtprotoRepo fresh = ItAccounts.repo(pds).build();
        assertThatThrownBy(() -> fresh.putRecord(charlie, MOOD, key(), mood("x"), SwapRecord.any()))
                .isInstanceOf(PdsAuthenticationException.class);
        PdsAdmin wrong = PdsAdmin.builder().pds(pds.url()).adminPassword(Secret.of("wrong")).maxRetries(0).build();
        assertThatThrownBy(() -> wrong.deleteAccount(charlie)).isInstanceOf(PdsAuthenticationException.class);
    }
}
