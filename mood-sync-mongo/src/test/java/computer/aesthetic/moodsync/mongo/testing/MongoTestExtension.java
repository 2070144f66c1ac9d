package computer.aesthetic.moodsync.mongo.testing;

import com.mongodb.ConnectionString;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.MongoDatabase;
import computer.aesthetic.moodsync.mongo.embedded.EmbeddedMongo;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A JUnit 5 extension giving each test its own fresh MongoDB database.
 *
 * <p>Per test class it starts an {@link EmbeddedMongo}, or, when a MongoDB URI is given by the environment variable
 * {@value #URI_ENV} or the system property {@value #URI_PROPERTY}, connects to that server instead. Each test gets a
 * database with a random name ({@code moodsync_test_...}), dropped after the test. The client and the embedded
 * server are closed after the class, even when tests fail. Which backend is used is logged at start (without
 * credentials).
 *
 * <p>Use it from a static field, then ask for the current test's database:
 * <pre>{@code
 * @RegisterExtension
 * static final MongoTestExtension MONGO = new MongoTestExtension();
 *
 * @Test
 * void something() {
 *     MongoDatabase db = MONGO.database();
 * }
 * }</pre>
 * or with {@link MongoTest @MongoTest} on the class and a {@link MongoDatabase} (or {@link MongoClient}) test
 * parameter. Tests of one class must not run concurrently with each other.
 */
public final class MongoTestExtension implements BeforeAllCallback, AfterAllCallback, BeforeEachCallback,
        AfterEachCallback, ParameterResolver {
    /** The environment variable naming a real MongoDB to test against. */
    public static final String URI_ENV = "MOODSYNC_MONGO_URI";
    /** The system property naming a real MongoDB to test against (wins over the environment variable). */
    public static final String URI_PROPERTY = "moodsync.mongo.uri";

    private static final Logger LOG = LoggerFactory.getLogger(MongoTestExtension.class);

    private EmbeddedMongo embedded;
    private MongoClient client;
    private String uri;
    private volatile MongoDatabase database;

    /** Creates the extension; it starts nothing until the test class starts. */
    public MongoTestExtension() {
    }

    /**
     * Returns the URI of a real MongoDB to test against, when one is configured.
     *
     * @return the URI from {@value #URI_PROPERTY} or {@value #URI_ENV}, or empty for the embedded server
     */
    public static Optional<String> configuredUri() {
        String property = System.getProperty(URI_PROPERTY);
        if (property != null && !property.isBlank()) {
            return Optional.of(property.trim());
        }
        String env = System.getenv(URI_ENV);
        return env == null || env.isBlank() ? Optional.empty() : Optional.of(env.trim());
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        Optional<String> real = configuredUri();
        if (real.isPresent()) {
            uri = real.get();
            ConnectionString cs = new ConnectionString(uri);
            LOG.info("{}: testing against the real MongoDB at {} (from {} / {})", context.getDisplayName(),
                    cs.getHosts(), URI_PROPERTY, URI_ENV);
        } else {
            embedded = EmbeddedMongo.start();
            uri = embedded.connectionString();
            LOG.info("{}: testing against embedded mongo-java-server at {} (set {} or -D{} for a real MongoDB)",
                    context.getDisplayName(), uri, URI_ENV, URI_PROPERTY);
        }
        try {
            client = MongoClients.create(uri);
        } catch (RuntimeException e) {
            closeAll();
            throw e;
        }
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        if (client == null) {
            throw new IllegalStateException("MongoTestExtension must be registered on a static field or with "
                    + "@MongoTest, so that it starts before the test class");
        }
        database = client.getDatabase("moodsync_test_" + UUID.randomUUID().toString().replace("-", "")
                .substring(0, 16));
    }

    @Override
    public void afterEach(ExtensionContext context) {
        MongoDatabase db = database;
        database = null;
        if (db != null) {
            try {
                db.drop();
            } catch (RuntimeException e) {
                LOG.warn("could not drop test database {}", db.getName(), e);
            }
        }
    }

    @Override
    public void afterAll(ExtensionContext context) {
        closeAll();
    }

    private void closeAll() {
        try {
            if (client != null) {
                client.close();
            }
        } finally {
            client = null;
            if (embedded != null) {
                embedded.close();
                embedded = null;
            }
        }
    }

    /**
     * Returns the current test's database.
     *
     * @return the database, fresh for this test
     * @throws IllegalStateException outside a test
     */
    public MongoDatabase database() {
        MongoDatabase db = database;
        if (db == null) {
            throw new IllegalStateException("no current test: database() is available during a test only");
        }
        return db;
    }

    /**
     * Returns the client of the current test class.
     *
     * @return the client
     * @throws IllegalStateException outside the test class
     */
    public MongoClient client() {
        if (client == null) {
            throw new IllegalStateException("the test class has not started");
        }
        return client;
    }

    /**
     * Returns the connection string in use (it may hold credentials: do not log it).
     *
     * @return the URI
     */
    public String connectionString() {
        return uri;
    }

    /**
     * Tells whether the tests run against the embedded server.
     *
     * @return true for the embedded server, false for a real MongoDB
     */
    public boolean isEmbedded() {
        return embedded != null;
    }

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        Class<?> type = parameter.getParameter().getType();
        return type == MongoDatabase.class || type == MongoClient.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        return parameter.getParameter().getType() == MongoClient.class ? client() : database();
    }
}
