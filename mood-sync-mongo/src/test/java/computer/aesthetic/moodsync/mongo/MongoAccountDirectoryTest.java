package computer.aesthetic.moodsync.mongo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.mongodb.client.MongoDatabase;
import computer.aesthetic.moodsync.UserId;
import computer.aesthetic.moodsync.mongo.testing.MongoTestExtension;
import computer.aesthetic.moodsync.spi.Account;
import computer.aesthetic.moodsync.spi.AccountDirectory;
import computer.aesthetic.moodsync.spi.AccountDirectoryContract;
import computer.aesthetic.moodsync.spi.Secret;
import computer.aesthetic.moodsync.syntax.Did;
import computer.aesthetic.moodsync.syntax.Handle;
import computer.aesthetic.moodsync.testing.StderrCapture;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.bson.Document;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@link MongoAccountDirectory} on the origin system's {@code users} and {@code @handles} documents: the
 * {@link AccountDirectoryContract} on the nested {@code atproto: {did, handle, password}} shape (see
 * {@link MongoAccountDirectoryFlatShapeTest} for the flat one), plus both shapes side by side, handles and logging.
 */
class MongoAccountDirectoryTest extends AccountDirectoryContract {
    @RegisterExtension
    static final MongoTestExtension MONGO = new MongoTestExtension();

    private static final String PASSWORD = "hunter2-very-secret";
    private static final Did JEFFREY_DID = Did.parse("did:plc:ewvi7nxzyoun6zhxrhs64oiz");
    private static final Did FLAT_DID = Did.parse("did:plc:flatflatflatflatflatflat");
    private static final UserId JEFFREY = UserId.parse("auth0|63a1b2c3d4e5f6a7b8c9d0e1");
    private static final UserId FLAT = UserId.parse("auth0|flat");

    private static final AtomicInteger DIRECTORIES = new AtomicInteger();

    /** Each call gets its own users collection, so that it holds exactly {@code accounts}. */
    @Override
    protected AccountDirectory directoryWith(Map<UserId, Account> accounts) {
        MongoDatabase db = MONGO.database();
        String users = "users_" + DIRECTORIES.incrementAndGet();
        db.getCollection(users).insertOne(new Document("_id", "auth0|unrelated").append("email", "u@example.com"));
        accounts.forEach((user, account) -> {
            Document atproto = new Document("did", account.did().value());
            account.handle().ifPresent(h -> atproto.append("handle", h.value()));
            account.password().ifPresent(p -> atproto.append("password", p.reveal()));
            db.getCollection(users).insertOne(new Document("_id", user.value()).append("atproto", atproto));
        });
        return MongoAccountDirectory.builder(db).usersCollection(users).build();
    }

    private static MongoAccountDirectory seed(MongoDatabase db) {
        db.getCollection("users").insertMany(List.of(
                new Document("_id", JEFFREY.value()).append("email", "j@example.com").append("atproto",
                        new Document("did", JEFFREY_DID.value()).append("handle", "jeffrey.at.aesthetic.computer")
                                .append("password", PASSWORD)),
                new Document("_id", FLAT.value()).append("atproto_did", FLAT_DID.value())
                        .append("atproto_handle", "flat.at.aesthetic.computer").append("atproto_password", PASSWORD),
                new Document("_id", "auth0|none").append("email", "n@example.com"),
                new Document("_id", "auth0|emptyatproto").append("atproto", new Document()),
                new Document("_id", "auth0|nopassword").append("atproto",
                        new Document("did", "did:web:nopassword.example.com"))));
        db.getCollection("@handles").insertMany(List.of(
                new Document("_id", JEFFREY.value()).append("handle", "jeffrey"),
                new Document("_id", FLAT.value()).append("handle", "flat")));
        return MongoAccountDirectory.builder(db).build();
    }

    @Test
    void readsTheNestedShape(MongoDatabase db) {
        MongoAccountDirectory directory = seed(db);
        assertThat(directory.findByUser(JEFFREY)).contains(new Account(JEFFREY_DID,
                Optional.of(Handle.parse("jeffrey.at.aesthetic.computer")), Optional.empty(),
                Optional.of(Secret.of(PASSWORD))));
        assertThat(directory.findByDid(JEFFREY_DID)).isEqualTo(directory.findByUser(JEFFREY));
        assertThat(directory.userOf(JEFFREY_DID)).contains(JEFFREY);
    }

    @Test
    void readsTheOlderFlatShape(MongoDatabase db) {
        MongoAccountDirectory directory = seed(db);
        Account account = directory.findByUser(FLAT).orElseThrow();
        assertThat(account.did()).isEqualTo(FLAT_DID);
        assertThat(account.handle()).contains(Handle.parse("flat.at.aesthetic.computer"));
        assertThat(account.password().orElseThrow().reveal()).isEqualTo(PASSWORD);
        assertThat(directory.findByDid(FLAT_DID)).contains(account);
        assertThat(directory.userOf(FLAT_DID)).contains(FLAT);
    }

    @Test
    void theNestedShapeWinsOverFlatFields(MongoDatabase db) {
        db.getCollection("users").insertOne(new Document("_id", "auth0|both")
                .append("atproto", new Document("did", JEFFREY_DID.value()))
                .append("atproto_did", FLAT_DID.value()).append("atproto_password", PASSWORD));
        MongoAccountDirectory directory = MongoAccountDirectory.builder(db).build();
        Account account = directory.findByUser(UserId.parse("auth0|both")).orElseThrow();
        assertThat(account.did()).isEqualTo(JEFFREY_DID);
        assertThat(account.password()).isEmpty();
        assertThat(directory.userOf(FLAT_DID)).isEmpty();
    }

    @Test
    void usersWithoutAnAccountAreEmptyNeverAnError(MongoDatabase db) {
        MongoAccountDirectory directory = seed(db);
        assertThat(directory.findByUser(UserId.parse("auth0|none"))).isEmpty();
        assertThat(directory.findByUser(UserId.parse("auth0|emptyatproto"))).isEmpty();
        assertThat(directory.findByUser(UserId.parse("auth0|unknown"))).isEmpty();
        assertThat(directory.findByDid(Did.parse("did:plc:unknownunknownunknownunk"))).isEmpty();
        assertThat(directory.userOf(Did.parse("did:plc:unknownunknownunknownunk"))).isEmpty();
    }

    @Test
    void anAccountWithoutPasswordOrHandleHasThemEmpty(MongoDatabase db) {
        MongoAccountDirectory directory = seed(db);
        Account account = directory.findByUser(UserId.parse("auth0|nopassword")).orElseThrow();
        assertThat(account.did()).isEqualTo(Did.parse("did:web:nopassword.example.com"));
        assertThat(account.handle()).isEmpty();
        assertThat(account.password()).isEmpty();
    }

    @Test
    void aMalformedDidIsNoAccountAndIsLoggedWithoutThePassword(MongoDatabase db) {
        db.getCollection("users").insertMany(List.of(
                new Document("_id", "auth0|baddid").append("atproto",
                        new Document("did", "not a did").append("password", PASSWORD)),
                new Document("_id", "auth0|numberdid").append("atproto_did", 42).append("atproto_password", PASSWORD),
                new Document("_id", "auth0|badhandle").append("atproto", new Document("did", FLAT_DID.value())
                        .append("handle", "no handle").append("password", PASSWORD))));
        MongoAccountDirectory directory = MongoAccountDirectory.builder(db).build();

        String log = StderrCapture.capture(() -> {
            assertThat(directory.findByUser(UserId.parse("auth0|baddid"))).isEmpty();
            assertThat(directory.findByUser(UserId.parse("auth0|numberdid"))).isEmpty();
            assertThat(directory.findByUser(UserId.parse("auth0|badhandle"))).hasValueSatisfying(a ->
                    assertThat(a.handle()).isEmpty());
        });
        assertThat(log).contains("auth0|baddid").contains("auth0|numberdid").contains("auth0|badhandle")
                .contains("WARN").doesNotContain(PASSWORD);
    }

    @Test
    void aDidClaimedByTwoUsersBelongsToNobody(MongoDatabase db) {
        MongoAccountDirectory directory = seed(db);
        db.getCollection("users").insertOne(new Document("_id", "auth0|copycat")
                .append("atproto_did", JEFFREY_DID.value()).append("atproto_password", "other"));
        assertThat(directory.findByDid(JEFFREY_DID)).isEmpty();
        assertThat(directory.userOf(JEFFREY_DID)).isEmpty();
        assertThat(directory.findByUser(JEFFREY)).isPresent();
    }

    /**
     * A stale flat-shape document (its nested DID is another) found before the claimants must not hide the second
     * claimant: with the stale document first, then the victim and an attacker claiming the DID, nobody owns it.
     */
    @Test
    void aDidClaimedByTwoUsersBelongsToNobodyBehindStaleDocuments(MongoDatabase db) {
        Did victim = Did.parse("did:plc:victimvictimvictimvictim");
        db.getCollection("users").insertMany(List.of(
                new Document("_id", "auth0|a-stale").append("atproto", new Document("did", FLAT_DID.value()))
                        .append("atproto_did", victim.value()),
                new Document("_id", "auth0|c-victim").append("atproto", new Document("did", victim.value())
                        .append("password", PASSWORD)),
                new Document("_id", "auth0|d-attacker").append("atproto_did", victim.value())
                        .append("atproto_password", "attacker")));
        MongoAccountDirectory directory = MongoAccountDirectory.builder(db).build();

        assertThat(directory.findByDid(victim)).isEmpty();
        assertThat(directory.userOf(victim)).isEmpty();
        // each shape on its own still owns the DID once the other claimant is gone
        db.getCollection("users").deleteOne(new Document("_id", "auth0|d-attacker"));
        assertThat(directory.userOf(victim)).contains(UserId.parse("auth0|c-victim"));
        db.getCollection("users").deleteOne(new Document("_id", "auth0|c-victim"));
        db.getCollection("users").insertOne(new Document("_id", "auth0|d-attacker").append("atproto_did",
                victim.value()).append("atproto_password", "attacker"));
        assertThat(directory.userOf(victim)).contains(UserId.parse("auth0|d-attacker"));
    }

    @Test
    void handlesAreFoundWithOrWithoutTheAtSign(MongoDatabase db) {
        MongoAccountDirectory directory = seed(db);
        assertThat(directory.findUserByHandle("@jeffrey")).contains(JEFFREY);
        assertThat(directory.findUserByHandle("jeffrey")).contains(JEFFREY);
        assertThat(directory.findUserByHandle("flat")).contains(FLAT);
        assertThat(directory.findUserByHandle("@nobody")).isEmpty();
        assertThat(directory.findUserByHandle("@")).isEmpty();
        assertThat(directory.findUserByHandle("")).isEmpty();
        assertThat(directory.handleOf(JEFFREY)).contains("jeffrey");
        assertThat(directory.handleOf(UserId.parse("auth0|none"))).isEmpty();
    }

    @Test
    void collectionNamesAreConfigurable(MongoDatabase db) {
        db.getCollection("people").insertOne(new Document("_id", JEFFREY.value())
                .append("atproto", new Document("did", JEFFREY_DID.value())));
        db.getCollection("names").insertOne(new Document("_id", JEFFREY.value()).append("handle", "j"));
        MongoAccountDirectory directory = MongoAccountDirectory.builder(db).usersCollection("people")
                .handlesCollection("names").build();
        assertThat(directory.findByUser(JEFFREY)).map(Account::did).contains(JEFFREY_DID);
        assertThat(directory.findUserByHandle("@j")).contains(JEFFREY);
        assertThatThrownBy(() -> MongoAccountDirectory.builder(db).usersCollection("a$b").build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("usersCollection:");
    }

    @Test
    void nothingPrintsThePassword(MongoDatabase db) {
        MongoAccountDirectory directory = seed(db);
        Account nested = directory.findByUser(JEFFREY).orElseThrow();
        Account flat = directory.findByUser(FLAT).orElseThrow();
        for (Object o : List.of(directory, nested, flat, nested.password().orElseThrow(), nested.password(),
                directory.findByDid(JEFFREY_DID))) {
            assertThat(o.toString()).doesNotContain(PASSWORD);
        }
        assertThat(nested.toString()).contains("Secret[***]");
    }
}
