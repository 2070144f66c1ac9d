package computer.aesthetic.moodsync.benchmarks;

import computer.aesthetic.moodsync.MoodId;
import computer.aesthetic.moodsync.UserId;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Random;
import org.bson.Document;
import org.bson.types.ObjectId;

/** Synthetic moods in the origin system's shape. */
final class Moods {
    private static final String[] WORDS = {"calm", "sunny", "tired", "curious", "restless", "grateful", "sleepy",
        "bright", "foggy", "hopeful", "cozy", "wired", "quiet", "giddy", "mellow", "stormy"};

    /** One mood: its id, author, text and time. */
    record M(MoodId id, UserId user, String text, Instant when) {
        /** The origin's document: {@code {_id, user, mood, when}} (no atproto link, no marker). */
        Document originDoc() {
            return new Document("_id", new ObjectId(id.value())).append("user", user.value()).append("mood", text)
                    .append("when", Date.from(when));
        }
    }

    private Moods() {
    }

    /** {@code perUser} moods for each user, in user order, times spread over the past days, millisecond precision. */
    static List<M> make(List<UserId> users, int perUser, long seed) {
        Random rnd = new Random(seed);
        List<M> out = new ArrayList<>(users.size() * perUser);
        Instant base = Instant.ofEpochMilli(System.currentTimeMillis() - 30L * 86_400_000);
        for (UserId u : users) {
            for (int i = 0; i < perUser; i++) {
                Instant when = base.plusMillis((long) (rnd.nextDouble() * 30L * 86_400_000));
                String text = "feeling " + WORDS[rnd.nextInt(WORDS.length)] + " and " + WORDS[rnd.nextInt(WORDS.length)]
                        + " today (#" + i + ", " + Long.toHexString(rnd.nextLong()) + ")";
                out.add(new M(MoodId.generate(when), u, text, when));
            }
        }
        return out;
    }

    static List<UserId> users(String prefix, int n) {
        List<UserId> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            out.add(UserId.parse("auth0|" + prefix + "-" + i));
        }
        return out;
    }
}
