// list-records: lists every record of one user's computer.aesthetic.mood collection (all pages, oldest key first):
// key, time, ref (or legacy mongoId), text, and the mood MongoDB links to it. Reads only.
//
//   MOODSYNC_MONGO_URI=... MOODSYNC_PDS_URL=... MOODSYNC_USER='auth0|...' \
//     examples/jshell/moodsync-jshell.sh examples/jshell/list-records.jsh
int exitCode = 1; // stays 1 (and JShell still exits) if the script below does not compile
exitCode = Ops.runReadOnly("list-records", ops -> {
    UserId user = ops.user();
    System.out.println("user: " + ops.describe(user));
    Did did = ops.accounts().findByUser(user).map(Account::did)
            .orElseThrow(() -> new Ops.UsageException(user + " has no ATProto account: there are no records to list"));
    Map<String, MoodId> linked = new HashMap<>();
    try (var moods = ops.store().listByUser(user)) {
        moods.forEach(m -> m.rkey().ifPresent(k -> linked.put(k.value(), m.id())));
    }
    int total = 0, legacy = 0, invalid = 0, unlinked = 0;
    try (var records = ops.repo().listAll(did, MoodRecords.COLLECTION)) {
        for (RepoRecord r : (Iterable<RepoRecord>) records::iterator) {
            total++;
            Optional<MoodRecord> decoded = MoodRecords.tryDecode(r.value());
            MoodId link = linked.get(r.rkey().value());
            if (link == null) {
                unlinked++;
            }
            String what;
            if (decoded.isEmpty()) {
                invalid++;
                what = "INVALID " + MoodRecords.problems(r.value());
            } else {
                MoodRecord m = decoded.get();
                if (m.legacyRef()) {
                    legacy++;
                }
                String text = m.text().replace('\n', ' ');
                what = m.when() + " " + m.ref().map(id -> (m.legacyRef() ? "mongoId=" : "ref=") + id).orElse("(no ref)")
                        + " \"" + (text.length() > 60 ? text.substring(0, 57) + "..." : text) + "\"";
            }
            System.out.println(r.rkey() + "  " + what + (link != null ? "  <- linked by mood " + link : ""));
        }
    }
    System.out.println(total + " records at at://" + did + "/" + MoodRecords.COLLECTION + ": " + legacy
            + " with the legacy mongoId, " + invalid + " invalid, " + unlinked + " not linked by any mood");
    return 0;
});
/exit exitCode
