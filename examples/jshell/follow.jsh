// follow: follows one PDS's event stream (com.atproto.sync.subscribeRepos) into MongoDB and prints every change it
// applies: records of computer.aesthetic.mood edited, deleted or created by another ATProto client, verified against
// each repository's DID key. Dry run unless APPLY=1: every change is only reported (IngestPolicy.REPORT_ONLY) and the
// cursor is kept under a separate name, so a later APPLY=1 run still sees those events. Runs for
// MOODSYNC_FOLLOW_SECONDS (default: until Ctrl-C); the cursor is in MongoDB (moodsync_ingest), so a new run resumes.
//
//   APPLY=1 MOODSYNC_MONGO_URI=... MOODSYNC_PDS_URL=https://pds.example.com \
//     examples/jshell/moodsync-jshell.sh examples/jshell/follow.jsh
int exitCode = 1; // stays 1 (and JShell still exits) if the script below does not compile
exitCode = Ops.run("follow", ops -> {
    String pds = ops.setting(Ops.PDS_URL).orElseThrow(() -> new Ops.UsageException(Ops.PDS_URL
            + " is required: the PDS to follow"));
    String plc = ops.setting("MOODSYNC_PLC_URL").orElse("https://plc.directory");
    long seconds = Long.parseLong(ops.setting("MOODSYNC_FOLLOW_SECONDS").orElse("0"));
    okhttp3.HttpUrl url = okhttp3.HttpUrl.get(pds);
    String source = (ops.apply() ? "" : "dry-run:") + url.host() + ":" + url.port();
    okhttp3.OkHttpClient http = new okhttp3.OkHttpClient();
    var db = ops.mongo().getDatabase(ops.setting(Ops.MONGO_DB).orElse(Ops.DEFAULT_DB));
    try (var events = computer.aesthetic.moodsync.pds.sync.FirehoseEventSource.builder().pds(url).httpClient(http)
                 .build();
         var follower = ops.service().follower()
                 .state(computer.aesthetic.moodsync.mongo.MongoIngestStateStore.builder(db).build())
                 .source(source, events)
                 .authenticator(new computer.aesthetic.moodsync.pds.sync.RepoKeys(http, plc).authenticator())
                 .policy(ops.apply() ? computer.aesthetic.moodsync.ingest.IngestPolicy.DEFAULT
                         : computer.aesthetic.moodsync.ingest.IngestPolicy.REPORT_ONLY)
                 .listener(new computer.aesthetic.moodsync.ingest.IngestListener() {
                     @Override
                     public void changed(computer.aesthetic.moodsync.ingest.IngestChange c) {
                         System.out.println(java.time.Instant.now() + " " + c.kind() + " " + c.repo()
                                 + c.rkey().map(k -> " " + k).orElse("") + c.mood().map(m -> " mood " + m).orElse("")
                                 + (c.seq() >= 0 ? " seq " + c.seq() : "") + ": " + c.detail());
                     }
                 }).build()) {
        System.out.println((ops.apply() ? "following " : "DRY RUN (reports only; APPLY=1 applies): following ") + url
                + " as source " + source + (seconds > 0 ? " for " + seconds + " s" : " until Ctrl-C"));
        follower.start();
        long end = seconds > 0 ? System.nanoTime() + seconds * 1_000_000_000L : Long.MAX_VALUE;
        while (System.nanoTime() < end) {
            Thread.sleep(Math.min(10_000, Math.max(1, (end - System.nanoTime()) / 1_000_000)));
            System.out.println(java.time.Instant.now() + " " + follower.stats());
        }
    }
    return 0;
});
/exit exitCode
