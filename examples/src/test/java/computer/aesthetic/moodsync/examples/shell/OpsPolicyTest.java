package computer.aesthetic.moodsync.examples.shell;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import computer.aesthetic.moodsync.mongo.embedded.EmbeddedMongo;
import computer.aesthetic.moodsync.reconcile.RepairPolicy;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/** The scripts' repair policy comes from the settings, and a wrong value is one clear line. */
class OpsPolicyTest {
    private static final EmbeddedMongo MONGO = EmbeddedMongo.start();

    @AfterAll
    static void stop() {
        MONGO.close();
    }

    private static RepairPolicy policy(Map<String, String> extra) {
        Map<String, String> settings = new HashMap<>(Map.of(Ops.MONGO_URI, MONGO.connectionString(),
                Ops.PDS_URL, "http://127.0.0.1:1"));
        settings.putAll(extra);
        try (Ops ops = Ops.connect(settings)) {
            return ops.policy();
        }
    }

    @Test
    void theDefaultsAreTheLibrarysDefaultPolicy() {
        assertThat(policy(Map.of())).isEqualTo(RepairPolicy.DEFAULT);
    }

    @Test
    void everyRuleCanBeChosenByEnvironmentVariable() {
        RepairPolicy p = policy(Map.of(Ops.ORPHANS, "import", Ops.INVALID_RECORDS, "DELETE", Ops.CONTENT_DRIFT,
                "pds-wins", Ops.MAX_DELETES, "7"));
        assertThat(p).isEqualTo(new RepairPolicy(RepairPolicy.Orphans.IMPORT, RepairPolicy.ContentDrift.PDS_WINS,
                RepairPolicy.InvalidRecords.DELETE, 7));
    }

    @Test
    void aWrongValueNamesTheVariableAndTheChoices() {
        assertThatThrownBy(() -> policy(Map.of(Ops.ORPHANS, "bogus"))).isInstanceOf(Ops.UsageException.class)
                .hasMessage("MOODSYNC_ORPHANS must be one of report, delete, import, found 'bogus'");
        assertThatThrownBy(() -> policy(Map.of(Ops.MAX_DELETES, "-1"))).isInstanceOf(Ops.UsageException.class)
                .hasMessageContaining("MOODSYNC_MAX_DELETES must be a number >= 0");
    }
}
