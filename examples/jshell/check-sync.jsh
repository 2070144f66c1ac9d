// check-sync: compares one user's moods (MongoDB) with their computer.aesthetic.mood records (PDS), names every
// kind of drift, and prints the repair plan. Dry run; with APPLY=1 the plan is applied. The policy comes from
// MOODSYNC_ORPHANS, MOODSYNC_INVALID_RECORDS, MOODSYNC_CONTENT_DRIFT and MOODSYNC_MAX_DELETES (default: MongoDB wins
// on content; orphan, foreign and invalid records are only reported).
//
//   MOODSYNC_MONGO_URI=mongodb://... MOODSYNC_PDS_URL=https://... MOODSYNC_HANDLE=jeffrey \
//     examples/jshell/moodsync-jshell.sh examples/jshell/check-sync.jsh
int exitCode = 1; // stays 1 (and JShell still exits) if the script below does not compile
exitCode = Ops.run("check-sync", ops -> {
    UserId user = ops.user();
    System.out.println("user: " + ops.describe(user));
    UserSyncStatus status = ops.service().status(user);
    System.out.println("store: " + status.total() + " moods: " + status.synced() + " synced, " + status.pending()
            + " pending, " + status.failed() + " failed, " + status.deleted() + " deleted, " + status.unsynced()
            + " never synced" + (status.malformed() > 0 ? ", " + status.malformed() + " malformed documents" : ""));
    ReconcileReport report = ops.service().reconcile(user);
    System.out.println(report);
    if (report.status() == ReconcileReport.Status.NO_ACCOUNT) {
        return 0;
    }
    System.out.println(report.isInSync() ? "IN SYNC" : "DRIFT: " + report.driftCount() + (report.driftCount() == 1 ? " item" : " items"));
    RepairPlan plan = ops.service().plan(report, ops.policy()); // MOODSYNC_ORPHANS, _INVALID_RECORDS, ...
    System.out.println(plan);
    if (plan.isEmpty()) {
        System.out.println("nothing to repair");
        return 0;
    }
    if (!ops.apply()) {
        System.out.println("DRY RUN: nothing written. Run again with APPLY=1 to apply this plan.");
        return 0;
    }
    RepairResult result = ops.service().repair(plan);
    System.out.println(result);
    System.out.println("after: " + ops.service().reconcile(user).summary());
    return result.isComplete() ? 0 : 2;
});
/exit exitCode
