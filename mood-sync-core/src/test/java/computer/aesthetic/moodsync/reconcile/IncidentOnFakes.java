package computer.aesthetic.moodsync.reconcile;

import computer.aesthetic.moodsync.Mood;
import computer.aesthetic.moodsync.record.MoodRecords;
import computer.aesthetic.moodsync.spi.Account;
import computer.aesthetic.moodsync.spi.AtprotoRepo;
import computer.aesthetic.moodsync.spi.RepoRecord;
import computer.aesthetic.moodsync.spi.Secret;
import computer.aesthetic.moodsync.syntax.Did;
import computer.aesthetic.moodsync.syntax.Handle;
import computer.aesthetic.moodsync.syntax.RecordKey;
import computer.aesthetic.moodsync.testing.InMemoryAccountDirectory;
import computer.aesthetic.moodsync.testing.InMemoryAtprotoRepo;
import computer.aesthetic.moodsync.testing.InMemoryMoodStore;
import computer.aesthetic.moodsync.testing.IncidentFixture;
import java.util.List;

/**
 * The public {@link IncidentFixture} on the in-memory fakes, with the accounts of its two users and the reconciler
 * the tests use. Seeding's calls are not counted ({@link InMemoryAtprotoRepo#resetCalls}).
 */
final class IncidentOnFakes {
    final InMemoryMoodStore store = InMemoryMoodStore.create();
    final InMemoryAtprotoRepo repo;
    final InMemoryAccountDirectory accounts = InMemoryAccountDirectory.create();
    final IncidentFixture incident;
    final List<Mood> moods;
    final Mood foreignMood;
    final RecordKey foreignRkey;
    final RecordKey orphanRkey;
    final RecordKey invalidRkey;

    IncidentOnFakes() {
        this(InMemoryAtprotoRepo.create());
    }

    /**
     * Seeds the incident into {@code repo}. A repo with a write budget too small for seeding gets the records seeded
     * directly (past its budget), as they are after a seeding through the SPI into a repo without one.
     */
    IncidentOnFakes(InMemoryAtprotoRepo repo) {
        this.repo = repo;
        accounts.put(IncidentFixture.USER, Account.of(IncidentFixture.DID, Handle.parse("incident.test"),
                Secret.of("pw1")));
        accounts.put(IncidentFixture.OTHER, Account.of(IncidentFixture.OTHER_DID, Handle.parse("other.test"),
                Secret.of("pw2")));
        if (repo.writeBudget(IncidentFixture.DID).isPresent() || repo.writeBudget(IncidentFixture.OTHER_DID)
                .isPresent()) {
            InMemoryAtprotoRepo staging = InMemoryAtprotoRepo.create();
            incident = IncidentFixture.seed(store, staging, IncidentFixture.DID, IncidentFixture.OTHER_DID);
            for (Did did : List.of(IncidentFixture.DID, IncidentFixture.OTHER_DID)) {
                for (RepoRecord r : staging.records(did, MoodRecords.COLLECTION)) {
                    repo.seedRaw(did, MoodRecords.COLLECTION, r.rkey(), r.value());
                }
            }
        } else {
            incident = IncidentFixture.seed(store, repo, IncidentFixture.DID, IncidentFixture.OTHER_DID);
        }
        repo.resetCalls();
        moods = incident.moods();
        foreignMood = incident.foreignMood();
        foreignRkey = incident.foreignRkey();
        orphanRkey = incident.orphanRkey();
        invalidRkey = incident.invalidRkey();
    }

    Reconciler reconciler() {
        return Reconciler.builder().store(store).repo(repo).accounts(accounts).build();
    }

    Reconciler reconciler(AtprotoRepo other) {
        return Reconciler.builder().store(store).repo(other).accounts(accounts).build();
    }

    List<RepoRecord> records() {
        return repo.records(IncidentFixture.DID, MoodRecords.COLLECTION);
    }

    List<RepoRecord> otherRecords() {
        return repo.records(IncidentFixture.OTHER_DID, MoodRecords.COLLECTION);
    }
}
