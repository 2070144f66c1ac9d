package computer.aesthetic.moodsync.mongo.internal;

import computer.aesthetic.moodsync.Mood;
import computer.aesthetic.moodsync.MoodId;
import computer.aesthetic.moodsync.PendingSync;
import computer.aesthetic.moodsync.SyncOp;
import computer.aesthetic.moodsync.UserId;
import computer.aesthetic.moodsync.spi.MalformedMood;
import computer.aesthetic.moodsync.syntax.RecordKey;
import java.time.Instant;
import java.util.Date;
import java.util.Optional;
import org.bson.Document;
import org.bson.types.ObjectId;

/**
 * Maps moods to and from the origin system's documents:
 * {@code {_id: ObjectId, user, mood, when: Date, deleted?: true, atproto?: {rkey}, atprotoSync?: {...}}}.
 * Reading never throws: a document that is not a mood becomes a {@link MalformedMood}.
 */
public final class MoodDocuments {
    /** Field names. */
    public static final String ID = "_id";
    public static final String USER = "user";
    public static final String TEXT = "mood";
    public static final String WHEN = "when";
    public static final String DELETED = "deleted";
    public static final String ATPROTO = "atproto";
    public static final String RKEY = "atproto.rkey";
    public static final String RKEY_CID = "atproto.cid";
    public static final String SYNC = "atprotoSync";
    public static final String SYNC_OP = "atprotoSync.op";
    public static final String SYNC_TOKEN = "atprotoSync.token";
    public static final String SYNC_ATTEMPTS = "atprotoSync.attempts";
    public static final String SYNC_NEXT = "atprotoSync.nextAttemptAt";
    public static final String SYNC_ERROR = "atprotoSync.lastError";
    public static final String SYNC_LEASE_OWNER = "atprotoSync.leaseOwner";
    public static final String SYNC_LEASE_UNTIL = "atprotoSync.leaseUntil";
    /** When the lease was taken, by the database server's clock ({@code $currentDate}). */
    public static final String SYNC_LEASE_AT = "atprotoSync.leaseAt";
    /** How long the lease runs from {@link #SYNC_LEASE_AT}, in milliseconds. */
    public static final String SYNC_LEASE_MILLIS = "atprotoSync.leaseMillis";
    /** Tags the moods leased by one {@code claimDue} call, so the call reads back exactly those. */
    public static final String SYNC_LEASE_CLAIM = "atprotoSync.leaseClaim";
    public static final String SYNC_FAILED = "atprotoSync.failed";

    private MoodDocuments() {
    }

    /** The outcome of reading one document: exactly one of the two is present. */
    public record Read(Optional<Mood> mood, Optional<MalformedMood> malformed) {
        static Read ok(Mood mood) {
            return new Read(Optional.of(mood), Optional.empty());
        }

        static Read bad(Object id, Object user, String problem) {
            return new Read(Optional.empty(), Optional.of(new MalformedMood(String.valueOf(id),
                    user instanceof String s ? Optional.of(s) : Optional.empty(), problem)));
        }
    }

    /**
     * Converts a mood id to the document id.
     *
     * @param id the mood id
     * @return the ObjectId
     */
    public static ObjectId objectId(MoodId id) {
        return new ObjectId(id.value());
    }

    /**
     * Builds the full document of a new mood.
     *
     * @param mood the mood
     * @return the document, with {@code deleted}, {@code atproto} and {@code atprotoSync} only when set
     */
    public static Document toDocument(Mood mood) {
        Document d = new Document(ID, objectId(mood.id()))
                .append(USER, mood.user().value())
                .append(TEXT, mood.text())
                .append(WHEN, Date.from(mood.when()));
        if (mood.deleted()) {
            d.append(DELETED, true);
        }
        mood.rkey().ifPresent(k -> {
            Document atproto = new Document("rkey", k.value());
            mood.recordCid().ifPresent(c -> atproto.append("cid", c.toString()));
            d.append(ATPROTO, atproto);
        });
        mood.pending().ifPresent(p -> d.append(SYNC, toDocument(p)));
        return d;
    }

    /**
     * Builds the {@code atprotoSync} sub-document.
     *
     * @param p the marker
     * @return {@code {op, token, attempts, nextAttemptAt, lastError?, leaseOwner?, leaseUntil?, failed?}}
     */
    public static Document toDocument(PendingSync p) {
        Document d = new Document("op", p.op().name())
                .append("token", p.token())
                .append("attempts", p.attempts())
                .append("nextAttemptAt", Date.from(p.nextAttemptAt()));
        p.lastError().ifPresent(e -> d.append("lastError", e));
        p.leaseOwner().ifPresent(o -> d.append("leaseOwner", o));
        p.leaseUntil().ifPresent(u -> d.append("leaseUntil", Date.from(u)));
        if (p.failed()) {
            d.append("failed", true);
        }
        return d;
    }

    /**
     * Reads a document as a mood. A missing {@code when} falls back to the ObjectId's timestamp (second precision).
     *
     * @param d the document
     * @return the mood, or what is wrong with the document
     */
    public static Read read(Document d) {
        Object rawId = d.get(ID);
        Object rawUser = d.get(USER);
        if (!(rawId instanceof ObjectId oid)) {
            return Read.bad(rawId, rawUser, "_id: expected an ObjectId, found " + describe(rawId));
        }
        if (!(rawUser instanceof String userText)) {
            return Read.bad(oid.toHexString(), rawUser, "user: expected a string, found " + describe(rawUser));
        }
        Optional<UserId> user = UserId.tryParse(userText);
        if (user.isEmpty()) {
            return Read.bad(oid.toHexString(), rawUser, "user: expected a valid user id (non-blank, at most "
                    + UserId.MAX_LENGTH + " chars, no control characters), found " + quote(userText));
        }
        Object rawText = d.get(TEXT);
        if (!(rawText instanceof String text)) {
            return Read.bad(oid.toHexString(), rawUser, "mood: expected a string, found " + describe(rawText));
        }
        Object rawWhen = d.get(WHEN);
        Instant when;
        if (rawWhen == null) {
            when = Instant.ofEpochSecond(oid.getTimestamp() & 0xFFFF_FFFFL);
        } else if (rawWhen instanceof Date date) {
            when = date.toInstant();
        } else {
            return Read.bad(oid.toHexString(), rawUser, "when: expected a date, found " + describe(rawWhen));
        }
        Object rawDeleted = d.get(DELETED);
        if (rawDeleted != null && !(rawDeleted instanceof Boolean)) {
            return Read.bad(oid.toHexString(), rawUser,
                    "deleted: expected true, false or absent, found " + describe(rawDeleted));
        }
        boolean deleted = Boolean.TRUE.equals(rawDeleted);
        Optional<RecordKey> rkey = Optional.empty();
        Optional<computer.aesthetic.moodsync.data.Cid> cid = Optional.empty();
        Object rawAtproto = d.get(ATPROTO);
        if (rawAtproto instanceof Document atproto) {
            // an unreadable CID is only unknown: the writer learns it from the PDS
            cid = atproto.get("cid") instanceof String c ? computer.aesthetic.moodsync.data.Cid.tryParse(c)
                    : Optional.empty();
            Object rawKey = atproto.get("rkey");
            if (rawKey != null) {
                rkey = rawKey instanceof String s ? RecordKey.tryParse(s) : Optional.empty();
                if (rkey.isEmpty()) {
                    return Read.bad(oid.toHexString(), rawUser,
                            "atproto.rkey: expected a record key, found " + describe(rawKey));
                }
            }
        } else if (rawAtproto != null) {
            return Read.bad(oid.toHexString(), rawUser,
                    "atproto: expected a document, found " + describe(rawAtproto));
        }
        Optional<PendingSync> pending = Optional.empty();
        Object rawSync = d.get(SYNC);
        if (rawSync instanceof Document sync) {
            try {
                pending = Optional.of(readPending(sync));
            } catch (IllegalArgumentException e) {
                return Read.bad(oid.toHexString(), rawUser, "atprotoSync." + e.getMessage());
            }
        } else if (rawSync != null) {
            return Read.bad(oid.toHexString(), rawUser,
                    "atprotoSync: expected a document, found " + describe(rawSync));
        }
        MoodId id = MoodId.parse(oid.toHexString());
        return Read.ok(new Mood(id, user.get(), text, when, deleted, rkey, pending,
                rkey.isPresent() ? cid : Optional.empty()));
    }

    private static PendingSync readPending(Document s) {
        Object op = s.get("op");
        SyncOp syncOp;
        try {
            syncOp = SyncOp.valueOf(String.valueOf(op));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("op: expected CREATE, UPDATE or DELETE, found " + describe(op), e);
        }
        Object token = s.get("token");
        if (!(token instanceof Long || token instanceof Integer)) {
            throw new IllegalArgumentException("token: expected a long, found " + describe(token));
        }
        Object attempts = s.get("attempts");
        if (!(attempts instanceof Integer || attempts instanceof Long)) {
            throw new IllegalArgumentException("attempts: expected an int, found " + describe(attempts));
        }
        Object next = s.get("nextAttemptAt");
        if (!(next instanceof Date nextDate)) {
            throw new IllegalArgumentException("nextAttemptAt: expected a date, found " + describe(next));
        }
        Object error = s.get("lastError");
        Object owner = s.get("leaseOwner");
        Object until = s.get("leaseUntil");
        if (until == null && s.get("leaseAt") instanceof Date at && s.get("leaseMillis") instanceof Number ms) {
            until = new Date(at.getTime() + ms.longValue()); // a lease taken by the server's clock
        }
        Object failed = s.get("failed");
        if (error != null && !(error instanceof String)) {
            throw new IllegalArgumentException("lastError: expected a string, found " + describe(error));
        }
        if (owner != null && !(owner instanceof String)) {
            throw new IllegalArgumentException("leaseOwner: expected a string, found " + describe(owner));
        }
        if (until != null && !(until instanceof Date)) {
            throw new IllegalArgumentException("leaseUntil: expected a date, found " + describe(until));
        }
        if (failed != null && !(failed instanceof Boolean)) {
            throw new IllegalArgumentException("failed: expected true or absent, found " + describe(failed));
        }
        if ((owner == null) != (until == null)) {
            throw new IllegalArgumentException("leaseOwner: expected leaseOwner and leaseUntil together, found one");
        }
        return new PendingSync(syncOp, ((Number) token).longValue(), ((Number) attempts).intValue(),
                nextDate.toInstant(), Optional.ofNullable((String) error), Optional.ofNullable((String) owner),
                Optional.ofNullable((Date) until).map(Date::toInstant), Boolean.TRUE.equals(failed));
    }

    /**
     * Describes a raw value for an error message: its BSON-ish type and a bounded rendering.
     *
     * @param v the value, possibly null
     * @return e.g. {@code nothing}, {@code a number (42)}
     */
    public static String describe(Object v) {
        if (v == null) {
            return "nothing";
        }
        String type;
        if (v instanceof String) {
            return "a string " + quote((String) v);
        } else if (v instanceof Number) {
            type = "a number";
        } else if (v instanceof Boolean) {
            type = "a boolean";
        } else if (v instanceof Date) {
            type = "a date";
        } else if (v instanceof Document) {
            type = "a document";
        } else if (v instanceof java.util.List) {
            type = "an array";
        } else {
            type = "a " + v.getClass().getSimpleName();
        }
        return type + " (" + bounded(String.valueOf(v)) + ")";
    }

    /**
     * Quotes untrusted text: bounded length, control characters escaped.
     *
     * @param s the text
     * @return the quoted text
     */
    public static String quote(String s) {
        return "\"" + bounded(s) + "\"";
    }

    private static String bounded(String s) {
        StringBuilder b = new StringBuilder();
        int n = Math.min(s.length(), 100);
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            if (c < 0x20 || c == 0x7f || Character.isSurrogate(c)) {
                b.append(String.format("\\u%04x", (int) c));
            } else {
                b.append(c);
            }
        }
        if (s.length() > 100) {
            b.append("...(").append(s.length()).append(" chars)");
        }
        return b.toString();
    }
}
