package computer.aesthetic.moodsync.mongo;

import computer.aesthetic.moodsync.UserId;
import computer.aesthetic.moodsync.mongo.testing.MongoTestExtension;
import computer.aesthetic.moodsync.spi.Account;
import computer.aesthetic.moodsync.spi.AccountDirectory;
import computer.aesthetic.moodsync.spi.AccountDirectoryContract;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.bson.Document;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The {@link AccountDirectoryContract} on the older flat user shape
 * ({@code atproto_did}, {@code atproto_handle}, {@code atproto_password}).
 */
class MongoAccountDirectoryFlatShapeTest extends AccountDirectoryContract {
    @RegisterExtension
    static final MongoTestExtension MONGO = new MongoTestExtension();

    private static final AtomicInteger DIRECTORIES = new AtomicInteger();

    /** Each call gets its own users collection, so that it holds exactly {@code accounts}. */
    @Override
    protected AccountDirectory directoryWith(Map<UserId, Account> accounts) {
        String users = "users_" + DIRECTORIES.incrementAndGet();
        accounts.forEach((user, account) -> {
            Document d = new Document("_id", user.value()).append("atproto_did", account.did().value());
            account.handle().ifPresent(h -> d.append("atproto_handle", h.value()));
            account.password().ifPresent(p -> d.append("atproto_password", p.reveal()));
            MONGO.database().getCollection(users).insertOne(d);
        });
        return MongoAccountDirectory.builder(MONGO.database()).usersCollection(users).build();
    }
}
