// find-duplicates: finds the records that repeat a mood that already has one (left by interrupted migrations or
// retries), and says which copy is kept: the one MongoDB links, else the one at rkeyFor(id), else the oldest.
// Reads only; delete them with delete-duplicates.jsh.
//
//   MOODSYNC_MONGO_URI=... MOODSYNC_PDS_URL=... MOODSYNC_HANDLE=jeffrey \
//     examples/jshell/moodsync-jshell.sh examples/jshell/find-duplicates.jsh
int exitCode = 1; // stays 1 (and JShell still exits) if the script below does not compile
exitCode = Ops.runReadOnly("find-duplicates", ops -> {
    UserId user = ops.user();
    System.out.println("user: " + ops.describe(user));
    ReconcileReport report = ops.service().reconcile(user);
    if (report.status() == ReconcileReport.Status.NO_ACCOUNT) {
        System.out.println(report.summary());
        return 0;
    }
    List<DriftItem> duplicates = report.items(DriftKind.DUPLICATE);
    Map<MoodId, List<DriftItem>> byMood = new TreeMap<>();
    for (DriftItem d : duplicates) {
        byMood.computeIfAbsent(d.moodId().orElseThrow(), k -> new ArrayList<>()).add(d);
    }
    byMood.forEach((mood, copies) -> {
        System.out.println("mood " + mood + ": " + copies.size() + " extra " + (copies.size() == 1 ? "copy" : "copies"));
        copies.forEach(c -> System.out.println("    " + c));
    });
    System.out.println(report.moodCount() + " moods, " + report.recordCount() + " records: " + duplicates.size()
            + " duplicate record" + (duplicates.size() == 1 ? "" : "s") + " of " + byMood.size() + " mood"
            + (byMood.size() == 1 ? "" : "s"));
    if (!duplicates.isEmpty()) {
        System.out.println("to delete them: APPLY=1 examples/jshell/moodsync-jshell.sh examples/jshell/delete-duplicates.jsh");
    }
    return 0;
});
/exit exitCode
