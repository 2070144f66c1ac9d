package computer.aesthetic.moodsync;

import java.util.Objects;

/**
 * A post with a caller-supplied {@link MoodId} ({@link MoodSyncService#post(UserId, MoodId, String)}) found a mood
 * with that id that is not the same post: another user's, or another text. Nothing was written. A retry of a post
 * must send the same user and text; a new post needs a new id.
 */
public final class MoodIdConflictException extends MoodSyncException {
    private static final long serialVersionUID = 1L;

    private final transient MoodId moodId;

    /**
     * Creates the exception.
     *
     * @param moodId the id that is taken
     * @param what how the existing mood differs ("another user", "another text", ...)
     */
    public MoodIdConflictException(MoodId moodId, String what) {
        super("mood id " + Objects.requireNonNull(moodId, "moodId") + " is taken by " + what
                + "; a retried post must send the same user and text, a new post needs a new id");
        this.moodId = moodId;
    }

    /**
     * Returns the id that is taken.
     *
     * @return the mood id
     */
    public MoodId moodId() {
        return moodId;
    }
}
