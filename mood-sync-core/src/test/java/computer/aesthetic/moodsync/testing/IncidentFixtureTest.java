package computer.aesthetic.moodsync.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import computer.aesthetic.moodsync.Mood;
import computer.aesthetic.moodsync.record.MoodRecords;
import computer.aesthetic.moodsync.spi.RepoRecord;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The public incident is written only through the SPI, so it can seed a real PDS as it seeds the fakes. */
class IncidentFixtureTest {
    @Test
    void seedsThroughApplyWritesAndInsertIfAbsentOnly() {
        InMemoryMoodStore store = InMemoryMoodStore.create();
        InMemoryAtprotoRepo repo = InMemoryAtprotoRepo.create();
        IncidentFixture incident = IncidentFixture.seed(store, repo, IncidentFixture.DID, IncidentFixture.OTHER_DID);

        // 360 records of the user in two calls of at most 200 writes, one record of the other user in one call
        assertThat(repo.calls(InMemoryAtprotoRepo.APPLY_WRITES)).isEqualTo(3);
        assertThat(repo.totalCalls()).isEqualTo(3);
        List<RepoRecord> records = repo.records(IncidentFixture.DID, MoodRecords.COLLECTION);
        assertThat(records).hasSize(360);
        assertThat(records).extracting(r -> r.rkey())
                .contains(incident.foreignRkey(), incident.orphanRkey(), incident.invalidRkey());
        assertThat(repo.records(IncidentFixture.OTHER_DID, MoodRecords.COLLECTION)).singleElement()
                .satisfies(r -> assertThat(r.rkey()).isEqualTo(incident.foreignMood().rkey().orElseThrow()));
        assertThat(store.snapshot()).hasSize(IncidentFixture.MOODS + 1);
        List<Mood> moods = incident.moods();
        assertThat(moods).hasSize(IncidentFixture.MOODS).allMatch(m -> m.user().equals(IncidentFixture.USER));
        assertThat(moods.get(7).rkey()).isEmpty();
    }

    @Test
    void theSameIncidentEveryTime() {
        InMemoryAtprotoRepo a = InMemoryAtprotoRepo.create();
        InMemoryAtprotoRepo b = InMemoryAtprotoRepo.create();
        IncidentFixture.seed(InMemoryMoodStore.create(), a, IncidentFixture.DID, IncidentFixture.OTHER_DID);
        IncidentFixture.seed(InMemoryMoodStore.create(), b, IncidentFixture.DID, IncidentFixture.OTHER_DID);
        assertThat(a.records(IncidentFixture.DID, MoodRecords.COLLECTION))
                .isEqualTo(b.records(IncidentFixture.DID, MoodRecords.COLLECTION));
    }

    @Test
    void refusesOneRepositoryForBothUsers() {
        assertThatThrownBy(() -> IncidentFixture.seed(InMemoryMoodStore.create(), InMemoryAtprotoRepo.create(),
                IncidentFixture.DID, IncidentFixture.DID)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("two repositories");
    }
}
