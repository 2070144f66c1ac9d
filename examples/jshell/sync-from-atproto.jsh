// sync-from-atproto: brings MongoDB in line with the PDS for one user: relinks moods to the records that mirror them
// (found by rkeyFor(id), ref or the legacy mongoId) and brings back moods lost from MongoDB from their records, with
// their original ids. Never writes across users; deletes nothing. Dry run unless APPLY=1.
//
//   APPLY=1 MOODSYNC_MONGO_URI=... MOODSYNC_PDS_URL=... MOODSYNC_HANDLE=jeffrey \
//     examples/jshell/moodsync-jshell.sh examples/jshell/sync-from-atproto.jsh
int exitCode = 1; // stays 1 (and JShell still exits) if the script below does not compile
exitCode = Ops.run("sync-from-atproto", ops -> {
    UserId user = ops.user();
    System.out.println("user: " + ops.describe(user));
    ReconcileReport report = ops.service().reconcile(user);
    System.out.println(report.summary());
    if (report.status() == ReconcileReport.Status.NO_ACCOUNT) {
        return 0;
    }
    RepairPlan plan = ops.service().plan(report, RepairPolicy.DEFAULT.withOrphans(RepairPolicy.Orphans.IMPORT)
            .withContentDrift(RepairPolicy.ContentDrift.REPORT).withMaxDeletes(0));
    List<RepairAction> storeSide = plan.actions().stream()
            .filter(a -> a.type() == RepairAction.Type.LINK || a.type() == RepairAction.Type.IMPORT_MOOD).toList();
    storeSide.forEach(a -> System.out.println((ops.apply() ? "  " : "  would ") + a));
    long links = storeSide.stream().filter(a -> a.type() == RepairAction.Type.LINK).count();
    System.out.println(links + " moods to relink, " + (storeSide.size() - links)
            + " moods to bring back from their records");
    if (storeSide.isEmpty()) {
        System.out.println("MongoDB's links already match the records");
        return 0;
    }
    if (!ops.apply()) {
        System.out.println("DRY RUN: nothing written. Run again with APPLY=1.");
        return 0;
    }
    RepairResult result = ops.service().rebuildStoreFromRecords(user);
    System.out.println(result);
    return result.isComplete() ? 0 : 2;
});
/exit exitCode
