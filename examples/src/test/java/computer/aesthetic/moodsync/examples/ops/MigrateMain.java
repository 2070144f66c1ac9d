package computer.aesthetic.moodsync.examples.ops;

import computer.aesthetic.moodsync.examples.shell.Ops;
import computer.aesthetic.moodsync.reconcile.MigrationReport;
import computer.aesthetic.moodsync.reconcile.Migrator;
import computer.aesthetic.moodsync.reconcile.RepairListener;
import computer.aesthetic.moodsync.reconcile.Repairer;
import java.util.Map;
import java.util.Optional;

/**
 * A migration in a process of its own, for {@link MigrateKillIT} to kill: {@code MigrateMain MONGO_URI DB PDS_URL}.
 * Small batches and one line per batch on stdout, so that the test can kill it mid-run.
 */
public final class MigrateMain {
    private MigrateMain() {
    }

    /**
     * Runs the migration.
     *
     * @param args MongoDB URI, database, PDS URL
     */
    public static void main(String[] args) {
        try (Ops ops = Ops.connect(Map.of(Ops.MONGO_URI, args[0], Ops.MONGO_DB, args[1], Ops.PDS_URL, args[2]))) {
            Repairer repairer = Repairer.builder().reconciler(ops.reconciler()).batchSize(10)
                    .listener(new RepairListener() {
                        @Override
                        public void batch(int writes, int points) {
                            System.out.println("batch " + writes + " writes, " + points + " points");
                            System.out.flush();
                        }
                    }).build();
            MigrationReport report = Migrator.builder().repairer(repairer).concurrency(2)
                    .listener(Ops.printingProgress(System.out)).build().migrate(Optional.empty());
            System.out.println(report);
            System.out.println("DONE");
        }
    }
}
