package computer.aesthetic.moodsync.sync;

import java.time.Duration;
import java.util.OptionalLong;

/**
 * Receives what an event source reads from {@code com.atproto.sync.subscribeRepos}: the entry point of a follower.
 *
 * <p>Calls come from one thread at a time, in stream order. {@link #onEvent} is delivered at least once: if it
 * throws, the source drops the connection and resumes from the last event it returned from, so that event comes
 * again. Events are only decoded, not verified: verify commits with {@link CommitVerifier}. All methods but
 * {@link #onEvent} have no-op defaults; {@link #NONE} ignores everything.
 */
public interface FirehoseListener {

    /** A listener that ignores everything. */
    FirehoseListener NONE = event -> { };

    /**
     * An event: {@link FirehoseEvent.Commit}, {@link FirehoseEvent.Sync}, {@link FirehoseEvent.Identity},
     * {@link FirehoseEvent.Account} or {@link FirehoseEvent.Info}. An {@code #info OutdatedCursor} means events
     * were missed: every repository followed must be resynced. Error frames and unknown kinds do not come here.
     *
     * @param event the event
     */
    void onEvent(FirehoseEvent event);

    /**
     * The connection is open.
     *
     * @param cursor the cursor sent, empty for live events only
     */
    default void onConnected(OptionalLong cursor) {
    }

    /**
     * The server sent an error frame ({@code FutureCursor}, {@code ConsumerTooSlow}, ...); it closes the
     * connection after it.
     *
     * @param error the error frame
     */
    default void onErrorFrame(FirehoseEvent.ErrorFrame error) {
    }

    /**
     * The server refused the cursor as being in the future ({@code FutureCursor}): the stored cursor does not
     * belong to this PDS's sequence (a restored database, another host). The source forgets it and reconnects for
     * live events; events in between are unknown, so every repository followed must be resynced.
     *
     * @param refused the cursor refused
     */
    default void onCursorReset(long refused) {
    }

    /**
     * A frame could not be decoded; the source drops the connection and reconnects from the last event delivered.
     *
     * @param error what was wrong
     */
    default void onMalformedFrame(MalformedEventException error) {
    }

    /**
     * The connection is gone; the source reconnects after {@code retryIn} unless it was closed.
     *
     * @param reason why, without secrets
     * @param retryIn the delay before the next attempt
     */
    default void onDisconnected(String reason, Duration retryIn) {
    }
}
