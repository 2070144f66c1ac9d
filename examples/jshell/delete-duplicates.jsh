// delete-duplicates: deletes the duplicate records of one user's moods, keeping one copy of each (the one MongoDB
// links, else the one at rkeyFor(id), else the oldest). Each delete is conditional on the record being unchanged since
// it was read. Dry run unless APPLY=1.
//
//   APPLY=1 MOODSYNC_MONGO_URI=... MOODSYNC_PDS_URL=... MOODSYNC_HANDLE=jeffrey \
//     examples/jshell/moodsync-jshell.sh examples/jshell/delete-duplicates.jsh
int exitCode = 1; // stays 1 (and JShell still exits) if the script below does not compile
exitCode = Ops.run("delete-duplicates", ops -> {
    UserId user = ops.user();
    System.out.println("user: " + ops.describe(user));
    ReconcileReport report = ops.service().reconcile(user);
    if (report.status() == ReconcileReport.Status.NO_ACCOUNT) {
        System.out.println(report.summary());
        return 0;
    }
    Did did = report.did().orElseThrow();
    List<DriftItem> duplicates = report.items(DriftKind.DUPLICATE).stream().filter(d -> !d.pending()).toList();
    for (DriftItem d : duplicates) {
        System.out.println((ops.apply() ? "delete " : "would delete ") + "at://" + did + "/" + MoodRecords.COLLECTION
                + "/" + d.rkey().orElseThrow() + "  (mood " + d.moodId().orElseThrow() + ")");
    }
    if (duplicates.isEmpty()) {
        System.out.println("no duplicate records");
        return 0;
    }
    if (!ops.apply()) {
        System.out.println("DRY RUN: " + duplicates.size() + " duplicate record" + (duplicates.size() == 1 ? "" : "s")
                + " would be deleted. Run again with APPLY=1.");
        return 0;
    }
    int deleted = 0, changed = 0;
    for (DriftItem d : duplicates) {
        try {
            ops.repo().deleteRecord(did, MoodRecords.COLLECTION, d.rkey().orElseThrow(),
                    d.recordCid().map(SwapRecord::cid).orElse(SwapRecord.any()));
            deleted++;
        } catch (computer.aesthetic.moodsync.SwapConflictException e) {
            changed++;
            System.out.println("skipped " + d.rkey().orElseThrow() + ": the record changed since it was read");
        }
    }
    System.out.println("deleted " + deleted + " duplicate records" + (changed > 0 ? ", skipped " + changed : ""));
    System.out.println("after: " + ops.service().reconcile(user).summary());
    return changed == 0 ? 0 : 2;
});
/exit exitCode
