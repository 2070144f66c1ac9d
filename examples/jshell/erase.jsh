// erase: forgets one user on both sides: deletes every record of their computer.aesthetic.mood collection
// (duplicates and orphans too), then their moods in MongoDB, verifies both sides are empty and prints the receipt.
// With MOODSYNC_DELETE_ACCOUNT=1 (and MOODSYNC_PDS_ADMIN_PASSWORD) the PDS account is deleted too.
// Dry run unless APPLY=1.
//
//   APPLY=1 MOODSYNC_MONGO_URI=... MOODSYNC_PDS_URL=... MOODSYNC_USER='auth0|...' \
//     examples/jshell/moodsync-jshell.sh examples/jshell/erase.jsh
int exitCode = 1; // stays 1 (and JShell still exits) if the script below does not compile
exitCode = Ops.run("erase", ops -> {
    UserId user = ops.user();
    boolean deleteAccount = ops.flag(Ops.DELETE_ACCOUNT);
    if (deleteAccount && ops.setting(Ops.ADMIN_PASSWORD).isEmpty()) {
        throw new Ops.UsageException(Ops.DELETE_ACCOUNT + "=1 needs " + Ops.ADMIN_PASSWORD + " and " + Ops.PDS_URL);
    }
    System.out.println("user: " + ops.describe(user));
    ReconcileReport report = ops.service().reconcile(user);
    System.out.println((ops.apply() ? "erasing: " : "would erase: ") + report.moodCount() + " moods in MongoDB, "
            + (report.did().isPresent() ? report.recordCount() + " records at at://" + report.did().get() + "/"
                    + MoodRecords.COLLECTION : "no records (no ATProto account)")
            + (deleteAccount ? ", and the PDS account" : ""));
    if (!ops.apply()) {
        System.out.println("DRY RUN: nothing deleted. Run again with APPLY=1 to erase.");
        return 0;
    }
    ErasureReceipt receipt = ops.service().erase(user, deleteAccount);
    System.out.println(receipt);
    return receipt.verified() ? 0 : 2;
});
/exit exitCode
