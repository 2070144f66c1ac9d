package computer.aesthetic.moodsync.examples.ops;

import static org.assertj.core.api.Assertions.assertThat;

import computer.aesthetic.moodsync.Mood;
import computer.aesthetic.moodsync.MoodSyncService;
import computer.aesthetic.moodsync.examples.shell.Ops;
import computer.aesthetic.moodsync.pds.testing.ReferencePds;
import computer.aesthetic.moodsync.pds.testing.ReferencePdsExtension;
import computer.aesthetic.moodsync.record.MoodRecords;
import computer.aesthetic.moodsync.reconcile.DriftItem;
import computer.aesthetic.moodsync.reconcile.DriftKind;
import computer.aesthetic.moodsync.reconcile.ReconcileReport;
import computer.aesthetic.moodsync.reconcile.RepairAction;
import computer.aesthetic.moodsync.reconcile.RepairPlan;
import computer.aesthetic.moodsync.reconcile.RepairPolicy;
import computer.aesthetic.moodsync.reconcile.RepairResult;
import computer.aesthetic.moodsync.syntax.Did;
import computer.aesthetic.moodsync.testing.IncidentFixture;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The origin's incident on the real stack: reference PDS + MongoDB (embedded), through the service's reconcile,
 * plan and repair. The incident user is the PDS's third account, the other user its second; both repositories' mood
 * collections are wiped before and after.
 */
@ExtendWith(ReferencePdsExtension.class)
class IncidentOnRealStackIT {
    private static RealStack stack;
    private static Did did;
    private static Did otherDid;

    @BeforeAll
    static void start(ReferencePds pds) {
        stack = new RealStack(pds);
        did = RealStack.did(pds.account(2));
        otherDid = RealStack.did(pds.account(1));
        stack.wipe(did);
        stack.wipe(otherDid);
    }

    @AfterAll
    static void stop() {
        if (stack != null) {
            try {
                stack.wipe(did);
                stack.wipe(otherDid);
            } finally {
                stack.close();
            }
        }
    }

    @Test
    void reportNamesEveryKindExactlyAndRepairConvergesLeavingTheForeignOwnerUntouched() {
        String db = RealStack.freshDb();
        stack.addUser(db, IncidentFixture.USER, stack.pds.account(2));
        stack.addUser(db, IncidentFixture.OTHER, stack.pds.account(1));
        try (Ops ops = Ops.connect(stack.settings(db))) {
            IncidentFixture incident = IncidentFixture.seed(ops.store(), stack.admin, did, otherDid);
            MoodSyncService service = ops.service();
            Map<String, String> otherBefore = stack.recordState(otherDid);
            Mood foreignBefore = ops.store().find(incident.foreignMood().id()).orElseThrow();
            assertThat(stack.records(did)).hasSize(360);

            ReconcileReport report = service.reconcile(IncidentFixture.USER);
            assertThat(report.counts()).as(report.toString()).isEqualTo(IncidentFixture.expectedCounts());
            assertThat(report.moodCount()).isEqualTo(222);
            assertThat(report.recordCount()).isEqualTo(360);
            assertThat(report.items(DriftKind.FOREIGN_REF)).singleElement()
                    .satisfies(i -> assertThat(i.rkey()).contains(incident.foreignRkey()));
            assertThat(report.items(DriftKind.ORPHAN)).singleElement()
                    .satisfies(i -> assertThat(i.rkey()).contains(incident.orphanRkey()));
            // Mood 7's only record breaks the lexicon but names it: the mood's record, rewritten in place.
            assertThat(report.items(DriftKind.INVALID_RECORD)).singleElement().satisfies(i -> {
                assertThat(i.rkey()).contains(incident.invalidRkey());
                assertThat(i.moodId()).contains(incident.moods().get(7).id());
            });
            assertThat(report.items(DriftKind.CONTENT_DRIFT)).singleElement()
                    .satisfies(i -> assertThat(i.moodId()).contains(incident.moods().get(8).id()));
            assertThat(report.items(DriftKind.DANGLING_LINK)).extracting(DriftItem::moodId).map(o -> o.orElseThrow())
                    .containsExactly(incident.moods().get(3).id(), incident.moods().get(4).id());
            assertThat(report.items(DriftKind.MISSING_ON_PDS)).extracting(i -> i.moodId().orElseThrow())
                    .containsExactly(incident.moods().get(5).id(), incident.moods().get(6).id());

            RepairPlan plan = service.plan(report, RepairPolicy.DEFAULT);
            assertThat(plan.counts()).containsEntry(RepairAction.Type.DELETE_RECORD, 143L)
                    .containsEntry(RepairAction.Type.CREATE_RECORD, 4L)
                    .containsEntry(RepairAction.Type.LINK, 21L)
                    .containsEntry(RepairAction.Type.PUT_RECORD, 2L);
            assertThat(plan.unrepaired()).extracting(u -> u.item().kind()).containsExactlyInAnyOrder(
                    DriftKind.ORPHAN, DriftKind.FOREIGN_REF);

            RepairResult result = service.repair(plan);
            assertThat(result.isComplete()).as(result.toString()).isTrue();
            assertThat(result.skipped()).isEmpty();
            assertThat(result.pointsSpent()).isEqualTo(143 + 4 * 3 + 2 * 2);

            ReconcileReport after = service.reconcile(IncidentFixture.USER);
            Map<DriftKind, Long> expected = new EnumMap<>(DriftKind.class);
            for (DriftKind k : DriftKind.values()) {
                expected.put(k, 0L);
            }
            expected.put(DriftKind.IN_SYNC, 222L);
            expected.put(DriftKind.ORPHAN, 1L);
            expected.put(DriftKind.FOREIGN_REF, 1L);
            assertThat(after.counts()).as(after.toString()).isEqualTo(expected);
            assertThat(service.plan(after, RepairPolicy.DEFAULT).isEmpty()).isTrue();
            // One record per live mood (mood 7's invalid one rewritten in place), plus the two report-only records.
            assertThat(stack.records(did)).hasSize(219 + 2);
            assertThat(stack.recordsPerMood(did)).allSatisfy((mood, n) -> assertThat(n).as(mood).isEqualTo(1));
            // The foreign record stays, and its owner is untouched on both sides.
            assertThat(stack.recordState(did)).containsKey(incident.foreignRkey().value());
            assertThat(stack.recordState(otherDid)).isEqualTo(otherBefore);
            assertThat(ops.store().find(incident.foreignMood().id())).contains(foreignBefore);
            assertThat(service.reconcile(IncidentFixture.OTHER).isInSync()).isTrue();
            // Missing moods went to rkeyFor(id) and are linked; the store's text won.
            for (int i : new int[] {5, 6}) {
                Mood m = ops.store().find(incident.moods().get(i).id()).orElseThrow();
                assertThat(m.rkey()).contains(MoodRecords.rkeyFor(m.id()));
            }
            assertThat(ops.store().find(incident.moods().get(7).id()).orElseThrow().rkey())
                    .contains(incident.invalidRkey());
            assertThat(MoodRecords.decode(stack.admin.getRecord(did, MoodRecords.COLLECTION,
                    incident.moods().get(8).rkey().orElseThrow()).orElseThrow().value()).text())
                    .isEqualTo("mood number 8");

            // Erase cleans the user's side only; the record naming the other user's mood is never touched, so the
            // erasure is not verified (the repository may not be this user's).
            List<Mood> otherMoods = RealStack.moods(ops.store(), IncidentFixture.OTHER);
            assertThat(service.erase(IncidentFixture.USER, false).verified()).isFalse();
            assertThat(stack.recordState(did)).containsOnlyKeys(incident.foreignRkey().value());
            assertThat(RealStack.moods(ops.store(), IncidentFixture.USER)).isEmpty();
            assertThat(stack.recordState(otherDid)).isEqualTo(otherBefore);
            assertThat(RealStack.moods(ops.store(), IncidentFixture.OTHER)).isEqualTo(otherMoods);
        } finally {
            stack.db(db).drop();
        }
    }
}
