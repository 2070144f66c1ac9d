// migrate: mirrors every existing mood of every user (or of MOODSYNC_USER, comma-separated) to the PDS: per user,
// reconcile, plan, apply; MOODSYNC_CONCURRENCY users in parallel (default 4), within each repository's write budget.
// Legacy records are adopted, duplicates removed, users without an ATProto account listed. Dry run unless APPLY=1.
// Resumable: after a crash or kill -9, run it again; it finishes the job without duplicates (no state file).
// Exit code: 0 done (or dry run), 2 some users failed or are partial (run again), 1 error.
//
//   APPLY=1 MOODSYNC_MONGO_URI=... MOODSYNC_PDS_URL=... \
//     examples/jshell/moodsync-jshell.sh examples/jshell/migrate.jsh
int exitCode = 1; // stays 1 (and JShell still exits) if the script below does not compile
exitCode = Ops.run("migrate", ops -> {
    Optional<List<UserId>> users = ops.users();
    System.out.println("users: " + users.map(Object::toString).orElse("every user with moods"));
    Migrator migrator = ops.migrator().build();
    MigrationReport report = ops.apply() ? migrator.migrate(users) : migrator.dryRun(users);
    System.out.println(report);
    if (!ops.apply()) {
        System.out.println("DRY RUN: nothing written. Run again with APPLY=1 to migrate.");
        return 0;
    }
    return report.isComplete() ? 0 : 2;
});
/exit exitCode
