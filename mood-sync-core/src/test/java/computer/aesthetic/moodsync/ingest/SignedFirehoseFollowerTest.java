package computer.aesthetic.moodsync.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import computer.aesthetic.moodsync.Mood;
import computer.aesthetic.moodsync.MoodId;
import computer.aesthetic.moodsync.MoodSyncService;
import computer.aesthetic.moodsync.record.MoodRecords;
import computer.aesthetic.moodsync.spi.Account;
import computer.aesthetic.moodsync.spi.Secret;
import computer.aesthetic.moodsync.sync.CommitVerifier;
import computer.aesthetic.moodsync.sync.JdkP256;
import computer.aesthetic.moodsync.syntax.Did;
import computer.aesthetic.moodsync.syntax.Handle;
import computer.aesthetic.moodsync.testing.InMemoryAccountDirectory;
import computer.aesthetic.moodsync.testing.InMemoryAtprotoRepo;
import computer.aesthetic.moodsync.testing.InMemoryFirehose;
import computer.aesthetic.moodsync.testing.InMemoryIngestStateStore;
import computer.aesthetic.moodsync.testing.InMemoryMoodStore;
import computer.aesthetic.moodsync.UserId;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The follower on the ingest foundations end to end: the in-memory PDS's firehose emits real signed (p256) frames,
 * {@link EventSource#decoding} decodes them and {@link CommitAuthenticator#of} verifies them with the core
 * {@link CommitVerifier}.
 */
class SignedFirehoseFollowerTest {
    static final UserId ALICE = new UserId("auth0|alice");
    static final Did ALICE_DID = Did.parse("did:plc:alice00000000000000000000");

    @Test
    void signedFramesFromTheInMemoryPdsAreVerifiedAndApplied() throws Exception {
        InMemoryMoodStore store = InMemoryMoodStore.create();
        InMemoryAtprotoRepo pds = InMemoryAtprotoRepo.create();
        InMemoryFirehose firehose = InMemoryFirehose.create();
        pds.attachFirehose(firehose);
        InMemoryAccountDirectory accounts = InMemoryAccountDirectory.create();
        accounts.put(ALICE, Account.of(ALICE_DID, Handle.parse("alice.test"), Secret.of("pw")));
        // The fake's subscription is the adapter's Frames: no hand-written bridge between the two.
        EventSource source = EventSource.decoding(firehose::subscribe);
        try (MoodSyncService service = MoodSyncService.builder().store(store).repo(pds).accounts(accounts)
                .startWorker(false).build();
                Follower f = service.follower().state(new InMemoryIngestStateStore()).source("mem", source)
                        .authenticator(CommitAuthenticator.of(CommitVerifier.of(JdkP256.verifier()), firehose::key))
                        .build()) {
            MoodId id = service.post(ALICE, "signed").moodId();
            Mood m = store.find(id).orElseThrow();
            f.pump(Duration.ofMillis(200));
            Map<String, Object> edited = new LinkedHashMap<>(MoodRecords.toRecord(m));
            edited.put("mood", "edited by another client");
            pds.seedRaw(ALICE_DID, MoodRecords.COLLECTION, m.rkey().orElseThrow(), edited);
            f.pump(Duration.ofMillis(200));
            assertThat(store.find(id).orElseThrow().text()).isEqualTo("edited by another client");
            assertThat(f.stats().applied()).isEqualTo(1);
        }
    }
}
