package computer.aesthetic.moodsync.mongo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.mongodb.MongoException;
import com.mongodb.ConnectionString;
import com.mongodb.MongoClientSettings;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.MongoDatabase;
import computer.aesthetic.moodsync.Mood;
import computer.aesthetic.moodsync.MoodId;
import computer.aesthetic.moodsync.StoreConflictException;
import computer.aesthetic.moodsync.StoreException;
import computer.aesthetic.moodsync.UserId;
import computer.aesthetic.moodsync.spi.Claim;
import computer.aesthetic.moodsync.syntax.Did;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** A MongoDB that cannot be reached: every operation fails with a {@link StoreException} naming it. */
class MongoStoreUnavailableTest {
    private static MongoClient client;
    private static MongoDatabase database;

    @BeforeAll
    static void pointAClientAtAClosedPort() throws IOException {
        int port;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = socket.getLocalPort();
        }
        client = MongoClients.create(MongoClientSettings.builder()
                .applyConnectionString(new ConnectionString("mongodb://127.0.0.1:" + port))
                .applyToClusterSettings(b -> b.serverSelectionTimeout(200, TimeUnit.MILLISECONDS))
                .applyToSocketSettings(b -> b.connectTimeout(200, TimeUnit.MILLISECONDS))
                .build());
        database = client.getDatabase("down");
    }

    @AfterAll
    static void close() {
        client.close();
    }

    private static void assertFailsNaming(String operation, ThrowingCallable call) {
        assertThatThrownBy(call)
                .isInstanceOf(StoreException.class)
                .isNotInstanceOf(StoreConflictException.class)
                .hasMessageStartingWith(operation + ": ")
                .hasCauseInstanceOf(MongoException.class)
                .satisfies(e -> assertThat(((StoreException) e).operation()).isEqualTo(operation));
    }

    @Test
    void buildingWithIndexCreationFailsNamingCreateIndexes() {
        assertFailsNaming("createIndexes", () -> MongoMoodStore.builder(database).build());
    }

    @Test
    void everyStoreOperationFailsNamingItself() {
        MongoMoodStore store = MongoMoodStore.builder(database).createIndexes(false).build();
        UserId user = UserId.parse("auth0|down");
        MoodId id = MoodId.generate();
        Instant now = Instant.now();
        assertFailsNaming("insert", () -> store.insert(Mood.posted(id, user, "x", now)));
        assertFailsNaming("insertIfAbsent", () -> store.insertIfAbsent(Mood.posted(id, user, "x", now)));
        assertFailsNaming("find", () -> store.find(id));
        assertFailsNaming("listByUser", () -> store.listByUser(user).close());
        assertFailsNaming("listUsers", () -> store.listUsers().findFirst());
        assertFailsNaming("listPending", () -> store.listPending(Optional.empty()).close());
        assertFailsNaming("claimDue", () -> store.claimDue(new Claim("w", now, Duration.ofMinutes(1),
                Optional.empty(), 1)));
        assertFailsNaming("completeSync", () -> store.completeSync(id, 1, "w", Optional.empty()));
        assertFailsNaming("deleteAllOf", () -> store.deleteAllOf(user));
    }

    @Test
    void directoryLookUpsFailNamingThemselves() {
        MongoAccountDirectory directory = MongoAccountDirectory.builder(database).build();
        assertFailsNaming("findByUser", () -> directory.findByUser(UserId.parse("auth0|down")));
        assertFailsNaming("findByDid", () -> directory.findByDid(Did.parse("did:plc:ewvi7nxzyoun6zhxrhs64oiz")));
        assertFailsNaming("findUserByHandle", () -> directory.findUserByHandle("@jeffrey"));
    }
}
