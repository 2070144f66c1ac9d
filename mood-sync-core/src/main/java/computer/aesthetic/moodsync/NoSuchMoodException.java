package computer.aesthetic.moodsync;

/** The mood named by an operation does not exist in the store. */
public class NoSuchMoodException extends MoodSyncException {
    private static final long serialVersionUID = 1L;
    private final MoodId moodId;

    /**
     * Creates the exception.
     *
     * @param moodId the id that was not found
     */
    public NoSuchMoodException(MoodId moodId) {
        super("no mood with id " + moodId);
        this.moodId = moodId;
    }

    /**
     * Returns the id that was not found.
     *
     * @return the missing mood's id
     */
    public MoodId moodId() {
        return moodId;
    }
}
