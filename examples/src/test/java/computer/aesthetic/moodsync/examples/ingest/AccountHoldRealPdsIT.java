package computer.aesthetic.moodsync.examples.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import computer.aesthetic.moodsync.Mood;
import computer.aesthetic.moodsync.MoodId;
import computer.aesthetic.moodsync.PendingReason;
import computer.aesthetic.moodsync.SyncResult;
import computer.aesthetic.moodsync.UserId;
import computer.aesthetic.moodsync.examples.ingest.FollowStack.Changes;
import computer.aesthetic.moodsync.examples.ingest.FollowStack.OtherClient;
import computer.aesthetic.moodsync.ingest.Follower;
import computer.aesthetic.moodsync.ingest.IngestChange;
import computer.aesthetic.moodsync.ingest.IngestChange.Kind;
import computer.aesthetic.moodsync.ingest.IngestPolicy;
import computer.aesthetic.moodsync.mongo.testing.MongoTestExtension;
import computer.aesthetic.moodsync.pds.sync.FirehoseEventSource;
import computer.aesthetic.moodsync.pds.testing.PrivateReferencePdsExtension;
import computer.aesthetic.moodsync.pds.testing.ReferencePds;
import computer.aesthetic.moodsync.record.MoodRecords;
import computer.aesthetic.moodsync.spi.RepoRecord;
import computer.aesthetic.moodsync.syntax.Did;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

/**
 * Account holds and the follower's restore policies on a private reference PDS (its accounts are deactivated and
 * taken down, so the shared one stays untouched) and MongoDB: a deactivation seen as {@code #account} holds the
 * user's writes until {@code activateAccount}, then they drain; an admin takedown met by the write path itself holds
 * the account; {@code OnDelete.RESTORE}, {@code OnEdit.RESTORE} and {@code OnNew.DELETE} undo another client's raw
 * XRPC changes, and their own commits are echoes.
 */
class AccountHoldRealPdsIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final MediaType APPLICATION_JSON = MediaType.get("application/json");
    private static final IngestPolicy RESTORE = new IngestPolicy(IngestPolicy.OnDelete.RESTORE,
            IngestPolicy.OnEdit.RESTORE, IngestPolicy.OnNew.DELETE);

    @RegisterExtension
    static final MongoTestExtension MONGO = new MongoTestExtension();

    @RegisterExtension
    static final PrivateReferencePdsExtension PDS = new PrivateReferencePdsExtension(
            ReferencePds.Options.defaults());

    @Test
    @Timeout(value = 5, unit = TimeUnit.MINUTES)
    void aDeactivationSeenByTheFollowerHoldsWritesUntilTheAccountIsActivatedAgain(ReferencePds pds) throws Exception {
        ReferencePds.Account account = pds.account(0);
        try (FollowStack stack = new FollowStack(MONGO.database(), pds);
                FirehoseEventSource source = stack.source().build()) {
            UserId user = stack.user(account);
            Did did = Did.parse(account.did());
            Changes changes = new Changes();
            OtherClient other = new OtherClient(stack.http, pds, account);
            Session session = new Session(stack.http, account);
            try (Follower follower = stack.follower(source, changes).build()) {
                follower.start();
                FollowRealPdsIT.warmUp(stack, other, user);
                MoodId kept = stack.service.post(user, "before the deactivation").moodId();
                assertThat(stack.store.find(kept).orElseThrow().pending()).isEmpty();

                session.call("com.atproto.server.deactivateAccount", Map.of());
                FollowStack.await("the #account event held the user",
                        () -> stack.service.status(user).accountHold().isPresent());
                assertThat(stack.service.status(user).accountHold().orElseThrow().status()).isEqualTo("deactivated");
                // The store shows the hold a moment before the follower reports the event to its listener.
                FollowStack.await("the #account event reported", () -> changes.of(Kind.ACCOUNT).stream()
                        .anyMatch(c -> c.detail().contains("deactivated")));

                long failedBefore = stack.service.stats().attemptsFailed();
                SyncResult posted = stack.service.post(user, "posted while deactivated");
                SyncResult edited = stack.service.edit(kept, "edited while deactivated");
                assertThat(posted.reason()).contains(PendingReason.ACCOUNT_INACTIVE);
                assertThat(edited.reason()).contains(PendingReason.ACCOUNT_INACTIVE);
                assertThat(posted.detail().orElseThrow()).contains("deactivated");
                stack.service.syncNow();
                assertThat(stack.service.stats().attemptsFailed()).as("no PDS attempt for a held account")
                        .isEqualTo(failedBefore);
                assertThat(stack.store.find(kept).orElseThrow().text()).isEqualTo("edited while deactivated");
                assertThat(stack.store.find(kept).orElseThrow().deleted()).isFalse();
                assertThat(stack.store.find(posted.moodId())).isPresent();

                session.call("com.atproto.server.activateAccount", null);
                FollowStack.await("the #account active event released the hold",
                        () -> stack.service.status(user).accountHold().isEmpty());
                Map<String, String> onPds = records(stack, did);
                assertThat(onPds).as("nothing was written while held").doesNotContainValue("posted while deactivated")
                        .containsValue("before the deactivation");

                stack.service.syncNow();
                assertThat(stack.service.status(user).pending()).isZero();
                assertThat(records(stack, did)).as("both sides agree").isEqualTo(live(stack, user))
                        .containsValues("posted while deactivated", "edited while deactivated");
                assertThat(stack.service.stats().attemptsFailed()).isEqualTo(failedBefore);
                assertThat(stack.service.stats().heldBack()).isGreaterThanOrEqualTo(2);
            }
        }
    }

    @Test
    @Timeout(value = 5, unit = TimeUnit.MINUTES)
    void withoutAFollowerTheWritePathMeetsTheTakedownAndHoldsTheAccount(ReferencePds pds) throws Exception {
        ReferencePds.Account account = pds.account(1);
        try (FollowStack stack = new FollowStack(MONGO.database(), pds)) {
            UserId user = stack.user(account);
            Did did = Did.parse(account.did());
            MoodId kept = stack.service.post(user, "before the takedown").moodId();
            assertThat(stack.store.find(kept).orElseThrow().pending()).isEmpty();

            takedown(stack.http, account.did(), true);
            long failedBefore = stack.service.stats().attemptsFailed();
            SyncResult refused = stack.service.post(user, "refused by the PDS");
            assertThat(refused.reason()).as("%s", refused).contains(PendingReason.ACCOUNT_INACTIVE);
            assertThat(refused.detail().orElseThrow()).contains("takendown");
            assertThat(stack.service.status(user).accountHold().orElseThrow().status()).isEqualTo("takendown");
            assertThat(stack.service.stats().attemptsFailed()).as("the refusal burns no attempt")
                    .isEqualTo(failedBefore);
            // The reference PDS's answer to a write with a taken-down account's session (its auth check).
            assertThat(stack.service.stats().failuresByError()).as("the PDS's error name").containsKey("AccountTakedown");
            SyncResult held = stack.service.edit(kept, "edited while taken down");
            assertThat(held.reason()).contains(PendingReason.ACCOUNT_INACTIVE);
            stack.service.syncNow();
            assertThat(stack.service.failed(java.util.Optional.of(user))).isEmpty();

            takedown(stack.http, account.did(), false);
            assertThat(stack.service.resumeAccount(user)).isEqualTo(2);
            stack.service.syncNow();
            assertThat(stack.service.status(user).pending()).isZero();
            assertThat(records(stack, did)).as("both sides agree").isEqualTo(live(stack, user))
                    .containsValues("refused by the PDS", "edited while taken down");
            assertThat(stack.service.stats().attemptsFailed()).isEqualTo(failedBefore);
        }
    }

    @Test
    @Timeout(value = 5, unit = TimeUnit.MINUTES)
    void restorePoliciesUndoAnotherClientsDeletesEditsAndStrayRecords(ReferencePds pds) throws Exception {
        ReferencePds.Account account = pds.account(2);
        try (FollowStack stack = new FollowStack(MONGO.database(), pds);
                FirehoseEventSource source = stack.source().build()) {
            UserId user = stack.user(account);
            Did did = Did.parse(account.did());
            Changes changes = new Changes();
            OtherClient other = new OtherClient(stack.http, pds, account);
            try (Follower follower = stack.follower(source, changes).policy(RESTORE).build()) {
                follower.start();
                // Warm-up: stray records until the (live) follower removes one; from then on it sees every commit.
                for (int i = 0; changes.count(Kind.REMOVED) == 0; i++) {
                    other.put("3kstraywarm" + String.format("%02d", i), "stray warm-up " + i);
                    awaitWithin(3, () -> changes.count(Kind.REMOVED) > 0);
                    assertThat(i).as("the follower removed a warm-up record in time").isLessThan(20);
                }
                FollowStack.await("the warm-up strays removed", () -> records(stack, did).isEmpty());

                Mood deleted = stack.store.find(stack.service.post(user, "deleted elsewhere").moodId()).orElseThrow();
                Mood edited = stack.store.find(stack.service.post(user, "edited elsewhere").moodId()).orElseThrow();
                String deletedKey = deleted.rkey().orElseThrow().toString();
                String editedKey = edited.rkey().orElseThrow().toString();
                // Our own creates first reach the follower (an echo, in flight, or under load a report: the event
                // can arrive before the service has linked the record key); what follows is what this test checks.
                FollowStack.await("our creates seen", () -> changes.all.stream().anyMatch(c -> c.mood()
                        .equals(java.util.Optional.of(deleted.id()))) && changes.all.stream().anyMatch(c -> c.mood()
                        .equals(java.util.Optional.of(edited.id()))));
                int mark = changes.all.size();
                long restoredBefore = changes.count(Kind.RESTORED);

                other.delete(deletedKey);
                other.putWithRef(editedKey, "vandalised", edited.id().toString());
                FollowStack.await("both restores marked", () -> changes.count(Kind.RESTORED) - restoredBefore == 2);
                assertThat(changes.of(Kind.RESTORED)).extracting(IngestChange::mood)
                        .contains(java.util.Optional.of(deleted.id()), java.util.Optional.of(edited.id()));
                stack.service.syncNow();
                Map<String, RepoRecord> back = recordsByKey(stack, did);
                assertThat(back.get(deletedKey).cid()).as("rebuilt from the store").isEqualTo(MoodRecords.cidOf(deleted));
                assertThat(back.get(editedKey).cid()).isEqualTo(MoodRecords.cidOf(edited));

                // A stray record from another client, after the restores in the stream: OnNew.DELETE removes it.
                long removedBefore = changes.count(Kind.REMOVED);
                other.put("3kstrayafter1", "from another app");
                FollowStack.await("the stray record removed", () -> changes.count(Kind.REMOVED) > removedBefore
                        && !records(stack, did).containsKey("3kstrayafter1"));
                assertThat(stack.moodAt(user, "3kstrayafter1")).isEmpty();

                assertThat(changes.count(Kind.RESTORED) - restoredBefore).as("the restores' own commits are echoes,"
                        + " no loop").isEqualTo(2);
                assertThat(changes.all.subList(mark, changes.all.size())).as("%s", changes.all).filteredOn(c -> c.mood().equals(java.util.Optional.of(deleted.id()))
                        || c.mood().equals(java.util.Optional.of(edited.id())))
                        .extracting(IngestChange::kind)
                        .isSubsetOf(Kind.RESTORED, Kind.ECHO, Kind.IN_FLIGHT);
                assertThat(stack.service.status(user).pending()).isZero();
                assertThat(records(stack, did)).as("both sides agree").isEqualTo(live(stack, user))
                        .containsValues("deleted elsewhere", "edited elsewhere");
                assertThat(stack.store.find(deleted.id()).orElseThrow().deleted()).isFalse();
                assertThat(changes.count(Kind.DELETED)).isZero();
                assertThat(changes.count(Kind.EDITED)).isZero();
                assertThat(changes.count(Kind.IMPORTED)).isZero();
            }
        }
    }

    private static void awaitWithin(int seconds, BooleanSupplier condition) throws InterruptedException {
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (!condition.getAsBoolean() && System.nanoTime() < until) {
            Thread.sleep(20);
        }
    }

    private static Map<String, RepoRecord> recordsByKey(FollowStack stack, Did did) {
        try (Stream<RepoRecord> all = stack.repo.listAll(did, MoodRecords.COLLECTION)) {
            return all.collect(Collectors.toMap(r -> r.rkey().toString(), r -> r, (a, b) -> a, TreeMap::new));
        }
    }

    /** The PDS's mood records: record key to text. */
    private static Map<String, String> records(FollowStack stack, Did did) {
        Map<String, String> out = new TreeMap<>();
        recordsByKey(stack, did).forEach((k, r) -> out.put(k, String.valueOf(r.value().get("mood"))));
        return out;
    }

    /** MongoDB's live moods: record key to text. */
    private static Map<String, String> live(FollowStack stack, UserId user) {
        Map<String, String> out = new TreeMap<>();
        for (Mood m : stack.moods(user)) {
            if (!m.deleted()) {
                out.put(m.rkey().orElseThrow().toString(), m.text());
            }
        }
        return out;
    }

    /** An admin takedown (or its reversal) through {@code com.atproto.admin.updateSubjectStatus}. */
    private static void takedown(OkHttpClient http, String did, boolean applied) throws Exception {
        String basic = "Basic " + Base64.getEncoder().encodeToString(("admin:" + PDS.pds().adminPassword())
                .getBytes(StandardCharsets.UTF_8));
        Map<String, Object> body = Map.of("subject", Map.of("$type", "com.atproto.admin.defs#repoRef", "did", did),
                "takedown", applied ? Map.of("applied", true, "ref", "hold-it") : Map.of("applied", false));
        post(http, "com.atproto.admin.updateSubjectStatus", basic, body);
    }

    private static JsonNode post(OkHttpClient http, String method, String auth, Map<String, ?> body) throws Exception {
        RequestBody rb = body == null ? RequestBody.create(new byte[0], null)
                : RequestBody.create(JSON.writeValueAsString(body), APPLICATION_JSON);
        Request.Builder b = new Request.Builder().url(PDS.pds().url() + "/xrpc/" + method).post(rb);
        if (auth != null) {
            b.header("Authorization", auth);
        }
        try (Response r = http.newCall(b.build()).execute()) {
            String text = r.body().string();
            assertThat(r.code()).as("%s: %s", method, text).isEqualTo(200);
            return text.isBlank() ? JSON.createObjectNode() : JSON.readTree(text);
        }
    }

    /** The user's own session, as their ATProto client would hold it (raw XRPC). */
    private static final class Session {
        private final OkHttpClient http;
        private final String bearer;

        Session(OkHttpClient http, ReferencePds.Account a) throws Exception {
            this.http = http;
            this.bearer = "Bearer " + post(http, "com.atproto.server.createSession", null,
                    Map.of("identifier", a.handle(), "password", a.password())).get("accessJwt").asString();
        }

        void call(String method, Map<String, ?> body) throws Exception {
            post(http, method, bearer, body);
        }
    }
}
