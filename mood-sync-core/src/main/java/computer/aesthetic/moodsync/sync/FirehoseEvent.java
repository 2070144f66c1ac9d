package computer.aesthetic.moodsync.sync;

import computer.aesthetic.moodsync.data.Cid;
import computer.aesthetic.moodsync.syntax.Did;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * One decoded frame of {@code com.atproto.sync.subscribeRepos}: one of the five event kinds, an error frame or
 * a frame of a kind this version does not know (which consumers ignore). {@link FrameCodec} decodes and encodes
 * them.
 *
 * <p>Records are immutable and thread-safe. Decoding checks structure and types only: a {@link Commit} is
 * trusted only after {@link CommitVerifier#verify}.
 */
public sealed interface FirehoseEvent {

    /**
     * Returns the sequence number of an event with one.
     *
     * @return the seq of a {@link Commit}, {@link Sync}, {@link Identity} or {@link Account}; empty otherwise
     */
    default OptionalLong sequence() {
        return OptionalLong.empty();
    }

    /**
     * A {@code #commit}: a signed commit changed records of a repository.
     *
     * @param seq the event's sequence number
     * @param repo the repository
     * @param commit the CID of the signed commit object (a block of {@code blocks})
     * @param rev the commit's revision (a TID)
     * @param since the revision of the previous commit, absent on the first
     * @param blocks the CAR slice: the commit, the new records and the MST nodes that prove the change
     * @param ops the record operations, at most 200
     * @param blobs CIDs of blobs referenced by new records
     * @param time when the PDS sequenced the event (ISO 8601 text)
     * @param prevData the MST root before the commit, absent on the first commit and on pre-sync-1.1 PDSs
     * @param rebase always false on current PDSs
     * @param tooBig true when the PDS left out blocks; the consumer must resync the repository
     */
    record Commit(long seq, Did repo, Cid commit, String rev, Optional<String> since, Car blocks, List<RepoOp> ops,
            List<Cid> blobs, String time, Optional<Cid> prevData, boolean rebase, boolean tooBig)
            implements FirehoseEvent {
        /** Validates non-null fields and copies the lists. */
        public Commit {
            Objects.requireNonNull(repo, "repo");
            Objects.requireNonNull(commit, "commit");
            Objects.requireNonNull(rev, "rev");
            Objects.requireNonNull(since, "since");
            Objects.requireNonNull(blocks, "blocks");
            ops = List.copyOf(ops);
            blobs = List.copyOf(blobs);
            Objects.requireNonNull(time, "time");
            Objects.requireNonNull(prevData, "prevData");
        }

        @Override
        public OptionalLong sequence() {
            return OptionalLong.of(seq);
        }
    }

    /**
     * A {@code #sync}: the repository's current commit, sent on account creation and activation; a consumer
     * whose state differs resyncs.
     *
     * @param seq the event's sequence number
     * @param did the repository
     * @param blocks a CAR slice holding the signed commit (its root)
     * @param rev the commit's revision
     * @param time when the PDS sequenced the event
     */
    record Sync(long seq, Did did, Car blocks, String rev, String time) implements FirehoseEvent {
        /** Validates non-null fields. */
        public Sync {
            Objects.requireNonNull(did, "did");
            Objects.requireNonNull(blocks, "blocks");
            Objects.requireNonNull(rev, "rev");
            Objects.requireNonNull(time, "time");
        }

        @Override
        public OptionalLong sequence() {
            return OptionalLong.of(seq);
        }
    }

    /**
     * An {@code #identity}: the DID document or handle may have changed; refresh the cached document and key.
     *
     * @param seq the event's sequence number
     * @param did the account
     * @param time when the PDS sequenced the event
     * @param handle the current handle, when the PDS sent one
     */
    record Identity(long seq, Did did, String time, Optional<String> handle) implements FirehoseEvent {
        /** Validates non-null fields. */
        public Identity {
            Objects.requireNonNull(did, "did");
            Objects.requireNonNull(time, "time");
            Objects.requireNonNull(handle, "handle");
        }

        @Override
        public OptionalLong sequence() {
            return OptionalLong.of(seq);
        }
    }

    /**
     * An {@code #account}: the account's hosting status changed.
     *
     * @param seq the event's sequence number
     * @param did the account
     * @param time when the PDS sequenced the event
     * @param active whether the account is active
     * @param status why it is not: {@code takendown}, {@code suspended}, {@code deleted}, {@code deactivated} or
     *     another value a later PDS defines
     */
    record Account(long seq, Did did, String time, boolean active, Optional<String> status) implements FirehoseEvent {
        /** Validates non-null fields. */
        public Account {
            Objects.requireNonNull(did, "did");
            Objects.requireNonNull(time, "time");
            Objects.requireNonNull(status, "status");
        }

        @Override
        public OptionalLong sequence() {
            return OptionalLong.of(seq);
        }
    }

    /**
     * An {@code #info} message, such as {@code OutdatedCursor} (sent at most once, at connect).
     *
     * @param name the message name
     * @param message a human-readable explanation, when sent
     */
    record Info(String name, Optional<String> message) implements FirehoseEvent {
        /** The name the PDS sends when the requested cursor is older than its backfill window. */
        public static final String OUTDATED_CURSOR = "OutdatedCursor";

        /** Validates non-null fields. */
        public Info {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(message, "message");
        }
    }

    /**
     * An error frame (header {@code op: -1}); the server closes the connection after it.
     *
     * @param error the error name, such as {@code FutureCursor} or {@code ConsumerTooSlow}
     * @param message a human-readable explanation, when sent
     */
    record ErrorFrame(String error, Optional<String> message) implements FirehoseEvent {
        /** The error for a cursor above the PDS's current seq. */
        public static final String FUTURE_CURSOR = "FutureCursor";
        /** The error for a consumer whose server-side buffer overflowed. */
        public static final String CONSUMER_TOO_SLOW = "ConsumerTooSlow";

        /** Validates non-null fields. */
        public ErrorFrame {
            Objects.requireNonNull(error, "error");
            Objects.requireNonNull(message, "message");
        }
    }

    /**
     * A frame with an operation or type this version does not know; consumers ignore it.
     *
     * @param op the header's {@code op}
     * @param type the header's {@code t}, when present
     */
    record Unknown(long op, Optional<String> type) implements FirehoseEvent {
        /** Validates non-null fields. */
        public Unknown {
            Objects.requireNonNull(type, "type");
        }
    }
}
