package computer.aesthetic.moodsync.mongo.embedded;

import computer.aesthetic.moodsync.mongo.internal.EmbeddedServer;
import java.net.InetSocketAddress;

/**
 * An in-memory MongoDB-compatible server for tests and demos: {@code mongo-java-server} with its memory backend,
 * listening on {@code 127.0.0.1} on an ephemeral port. Never for production: it has no transactions, ignores
 * partial indexes and keeps everything in memory.
 *
 * <p>{@code de.bwaldvogel:mongo-java-server} and {@code mongo-java-server-memory-backend} are optional
 * dependencies of this module: add them to your build to use this class.
 *
 * <pre>{@code
 * try (EmbeddedMongo mongo = EmbeddedMongo.start();
 *      MongoClient client = MongoClients.create(mongo.connectionString())) {
 *     MoodStore store = MongoMoodStore.builder(client.getDatabase("demo")).build();
 * }
 * }</pre>
 *
 * <p>Close it (try-with-resources): its threads would otherwise keep the JVM alive. Close clients first. Thread-safe.
 */
public final class EmbeddedMongo implements AutoCloseable {
    private final EmbeddedServer server;

    private EmbeddedMongo(EmbeddedServer server) {
        this.server = server;
    }

    /**
     * Starts a server on {@code 127.0.0.1} on a free port.
     *
     * @return the running server
     * @throws IllegalStateException if {@code mongo-java-server} is not on the class path
     */
    public static EmbeddedMongo start() {
        try {
            Class.forName("de.bwaldvogel.mongo.MongoServer", false, EmbeddedMongo.class.getClassLoader());
            Class.forName("de.bwaldvogel.mongo.backend.memory.MemoryBackend", false,
                    EmbeddedMongo.class.getClassLoader());
        } catch (ClassNotFoundException e) {
            throw new IllegalStateException("EmbeddedMongo needs de.bwaldvogel:mongo-java-server and "
                    + "de.bwaldvogel:mongo-java-server-memory-backend on the class path (optional dependencies of "
                    + "mood-sync-mongo), found them missing", e);
        }
        return new EmbeddedMongo(EmbeddedServer.start("127.0.0.1"));
    }

    /**
     * Returns the address the server listens on.
     *
     * @return {@code 127.0.0.1} and the port
     */
    public InetSocketAddress address() {
        return server.address();
    }

    /**
     * Returns a connection string for {@code MongoClients.create}.
     *
     * @return {@code mongodb://127.0.0.1:PORT}
     */
    public String connectionString() {
        return "mongodb://127.0.0.1:" + address().getPort();
    }

    /** Shuts the server down, closing its connections and threads. Idempotent. */
    @Override
    public void close() {
        server.close();
    }

    @Override
    public String toString() {
        return "EmbeddedMongo[" + connectionString() + "]";
    }
}
