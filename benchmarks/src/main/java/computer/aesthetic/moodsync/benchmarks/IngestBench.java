package computer.aesthetic.moodsync.benchmarks;

import computer.aesthetic.moodsync.Mood;
import computer.aesthetic.moodsync.MoodId;
import computer.aesthetic.moodsync.MoodSyncService;
import computer.aesthetic.moodsync.UserId;
import computer.aesthetic.moodsync.ingest.CommitAuthenticator;
import computer.aesthetic.moodsync.ingest.EventSource;
import computer.aesthetic.moodsync.ingest.Follower;
import computer.aesthetic.moodsync.ingest.IngestChange;
import computer.aesthetic.moodsync.ingest.IngestListener;
import computer.aesthetic.moodsync.pds.sync.BouncyCastleSignatureVerifier;
import computer.aesthetic.moodsync.record.MoodRecords;
import computer.aesthetic.moodsync.spi.Account;
import computer.aesthetic.moodsync.spi.Secret;
import computer.aesthetic.moodsync.sync.CommitVerifier;
import computer.aesthetic.moodsync.sync.FrameCodec;
import computer.aesthetic.moodsync.syntax.Did;
import computer.aesthetic.moodsync.syntax.Handle;
import computer.aesthetic.moodsync.syntax.RecordKey;
import computer.aesthetic.moodsync.testing.InMemoryAccountDirectory;
import computer.aesthetic.moodsync.testing.InMemoryAtprotoRepo;
import computer.aesthetic.moodsync.testing.InMemoryFirehose;
import computer.aesthetic.moodsync.testing.InMemoryIngestStateStore;
import computer.aesthetic.moodsync.testing.InMemoryMoodStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Ingest in-process (issue 13): the {@link Follower} on the in-memory fakes (in-memory PDS emitting signed P-256
 * frames, in-memory store and ingest state, BouncyCastle verification), against the raw rate of
 * {@link FrameCodec#decode} on the same frames; then the lag from a write on the PDS to the store's update, with
 * the follower started (its own thread) and another client editing at a fixed rate.
 *
 * <p>Run: {@code java -cp "$(cat benchmarks/target/classpath.txt):benchmarks/target/classes"
 * computer.aesthetic.moodsync.benchmarks.IngestBench [users] [moodsPerUser] [rounds] [lagRatePerSecond]
 * [lagSeconds]}; defaults 10 200 5 200 10. Prints one line per figure.
 */
public final class IngestBench {
    private IngestBench() {
    }

    /** One set-up: users with moods on the in-memory PDS, the follower caught up. */
    private static final class Rig implements AutoCloseable {
        final InMemoryMoodStore store = InMemoryMoodStore.create();
        final InMemoryAtprotoRepo pds = InMemoryAtprotoRepo.create();
        final InMemoryFirehose hose = InMemoryFirehose.create(Clock.systemUTC(), 10_000_000);
        final EventSource source = EventSource.decoding(hose::subscribe);
        final InMemoryAccountDirectory accounts = InMemoryAccountDirectory.create();
        final MoodSyncService service;
        final List<Mood> moods = new ArrayList<>();
        final List<Did> dids = new ArrayList<>();

        Rig(int users, int perUser) {
            pds.attachFirehose(hose);
            for (int u = 0; u < users; u++) {
                Did did = Did.parse(String.format("did:plc:bench%019d", u));
                accounts.put(new UserId("bench|" + u), Account.of(did, Handle.parse("u" + u + ".bench.test"),
                        Secret.of("pw")));
                dids.add(did);
            }
            service = MoodSyncService.builder().store(store).repo(pds).accounts(accounts).startWorker(false)
                    .build();
            for (int i = 0; i < perUser; i++) {
                for (int u = 0; u < users; u++) {
                    MoodId id = service.post(new UserId("bench|" + u), "mood " + i + " of user " + u).moodId();
                    moods.add(store.find(id).orElseThrow());
                }
            }
        }

        Follower follower(InMemoryIngestStateStore state, IngestListener listener) {
            return service.follower().state(state).source("bench", source).listener(listener)
                    .authenticator(CommitAuthenticator.of(CommitVerifier.of(BouncyCastleSignatureVerifier.create()),
                            hose::key)).build();
        }

        /** Another client edits a record: one commit, one event. */
        void edit(Mood m, String text) {
            Map<String, Object> r = new LinkedHashMap<>(MoodRecords.toRecord(m));
            r.put("mood", text);
            Did did = dids.get(Integer.parseInt(m.user().value().substring("bench|".length())));
            pds.seedRaw(did, MoodRecords.COLLECTION, m.rkey().orElseThrow(), r);
        }

        List<byte[]> frames(long after) throws InterruptedException {
            List<byte[]> out = new ArrayList<>();
            try (InMemoryFirehose.Subscription s = hose.subscribe(OptionalLong.of(after))) {
                Optional<byte[]> f;
                while ((f = s.next(Duration.ofMillis(200))).isPresent()) {
                    out.add(f.get());
                }
            }
            return out;
        }

        @Override
        public void close() {
            service.close();
        }
    }

    /**
     * Runs the figures.
     *
     * @param args users, moods per user, rounds, lag rate per second, lag seconds
     * @throws Exception if the run fails
     */
    public static void main(String[] args) throws Exception {
        int users = args.length > 0 ? Integer.parseInt(args[0]) : 10;
        int perUser = args.length > 1 ? Integer.parseInt(args[1]) : 200;
        int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 5;
        int rate = args.length > 3 ? Integer.parseInt(args[3]) : 200;
        int lagSeconds = args.length > 4 ? Integer.parseInt(args[4]) : 10;
        System.out.printf("ingest in-process: %d users x %d moods, %d rounds; load average before: %s%n", users,
                perUser, rounds, loadAverage());
        try (Rig rig = new Rig(users, perUser)) {
            InMemoryIngestStateStore state = new InMemoryIngestStateStore();
            AtomicLong applied = new AtomicLong();
            Follower f = rig.follower(state, new IngestListener() {
                @Override
                public void changed(IngestChange c) {
                    if (c.kind() == IngestChange.Kind.EDITED) {
                        applied.incrementAndGet();
                    }
                }
            });
            f.pump(Duration.ofMillis(1)); // subscribes; then every repository's first commit resyncs it
            for (int u = 0; u < users; u++) {
                rig.edit(rig.moods.get(u), "warm-up"); // the first mood of each user
            }
            f.pump(Duration.ofMillis(200));
            double[] follow = new double[rounds];
            double[] decode = new double[rounds];
            double[] verified = new double[rounds];
            CommitVerifier verifier = CommitVerifier.of(BouncyCastleSignatureVerifier.create());
            for (int round = 0; round < rounds; round++) {
                long from = rig.hose.currentSeq();
                for (Mood m : rig.moods) {
                    rig.edit(m, "round " + round + " " + m.id());
                }
                int n = rig.moods.size();
                List<byte[]> frames = rig.frames(from);
                long t0 = System.nanoTime();
                long sink = 0;
                for (byte[] frame : frames) {
                    sink += FrameCodec.decode(frame).sequence().orElse(0);
                }
                decode[round] = frames.size() / ((System.nanoTime() - t0) / 1e9);
                long tv = System.nanoTime();
                for (byte[] frame : frames) {
                    if (FrameCodec.decode(frame) instanceof computer.aesthetic.moodsync.sync.FirehoseEvent.Commit c) {
                        verifier.verify(c, rig.hose.key(c.repo()));
                    }
                }
                verified[round] = frames.size() / ((System.nanoTime() - tv) / 1e9);
                if (sink == 42) {
                    System.out.println();
                }
                long before = applied.get();
                long t1 = System.nanoTime();
                int handled = 0;
                while (handled < n) {
                    handled += f.pump(Duration.ofMillis(1));
                }
                follow[round] = handled / ((System.nanoTime() - t1) / 1e9);
                if (applied.get() - before != n) {
                    throw new IllegalStateException("applied " + (applied.get() - before) + " of " + n);
                }
                System.out.printf("round %d: %d events; decode %.0f frames/s; decode+verify %.0f frames/s; follower "
                        + "verified+applied %.0f events/s%n", round, n, decode[round], verified[round], follow[round]);
            }
            Arrays.sort(follow);
            Arrays.sort(decode);
            Arrays.sort(verified);
            System.out.printf("median of %d rounds: decode %.0f frames/s, decode+verify %.0f frames/s, follower %.0f "
                    + "events/s (%.1f%% of decode)%n", rounds, decode[rounds / 2], verified[rounds / 2],
                    follow[rounds / 2], 100 * follow[rounds / 2] / decode[rounds / 2]);
            f.close();

            // Lag: the follower started on its thread; another client edits at a fixed rate.
            Map<String, Long> written = new ConcurrentHashMap<>();
            List<Long> lags = java.util.Collections.synchronizedList(new ArrayList<>());
            int total = rate * lagSeconds;
            CountDownLatch done = new CountDownLatch(total);
            Follower live = rig.service.follower().state(state).source("bench", rig.source).owner("live")
                    .listener(new IngestListener() {
                        @Override
                        public void changed(IngestChange c) {
                            if (c.kind() == IngestChange.Kind.EDITED) {
                                Long at = written.remove(c.repo() + "/" + c.rkey().map(RecordKey::value).orElse(""));
                                if (at != null) {
                                    lags.add(System.nanoTime() - at);
                                    done.countDown();
                                }
                            }
                        }
                    }).authenticator(CommitAuthenticator.of(CommitVerifier.of(
                            BouncyCastleSignatureVerifier.create()), rig.hose::key)).build();
            live.start();
            while (!live.isActive()) {
                Thread.sleep(5);
            }
            long period = 1_000_000_000L / rate;
            long start = System.nanoTime();
            for (int i = 0; i < total; i++) {
                long due = start + i * period;
                long wait = due - System.nanoTime();
                if (wait > 0) {
                    Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
                }
                Mood m = rig.moods.get(i % rig.moods.size());
                Did did = rig.dids.get(Integer.parseInt(m.user().value().substring("bench|".length())));
                written.put(did + "/" + m.rkey().orElseThrow().value(), System.nanoTime());
                rig.edit(m, "live " + i);
            }
            boolean all = done.await(30, java.util.concurrent.TimeUnit.SECONDS);
            live.close();
            long[] sorted = lags.stream().mapToLong(Long::longValue).sorted().toArray();
            System.out.printf("lag at %d edits/s for %d s: %d of %d applied%s; p50 %.2f ms, p99 %.2f ms, max %.2f ms;"
                    + " load average after: %s%n", rate, lagSeconds, sorted.length, total, all ? "" : " (TIMED OUT)",
                    pct(sorted, 0.50) / 1e6, pct(sorted, 0.99) / 1e6, sorted[sorted.length - 1] / 1e6,
                    loadAverage());
        }
    }

    private static double pct(long[] sorted, double p) {
        return sorted[Math.min(sorted.length - 1, (int) Math.floor(p * sorted.length))];
    }

    private static String loadAverage() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).trim();
        } catch (java.io.IOException e) {
            return "unknown";
        }
    }
}
