package computer.aesthetic.moodsync.mongo.internal;

import de.bwaldvogel.mongo.MongoServer;
import de.bwaldvogel.mongo.backend.memory.MemoryBackend;
import java.net.InetSocketAddress;
import java.util.concurrent.atomic.AtomicBoolean;

/** The mongo-java-server behind {@code EmbeddedMongo}; only loaded once the optional dependency is known present. */
public final class EmbeddedServer {
    private final MongoServer server;
    private final InetSocketAddress address;
    private final AtomicBoolean closed = new AtomicBoolean();

    private EmbeddedServer(MongoServer server, InetSocketAddress address) {
        this.server = server;
        this.address = address;
    }

    /**
     * Starts a memory-backed server on an ephemeral port.
     *
     * @param host the address to bind
     * @return the started server
     */
    public static EmbeddedServer start(String host) {
        MongoServer server = new MongoServer(new MemoryBackend());
        try {
            server.bind(host, 0);
            return new EmbeddedServer(server, server.getLocalAddress());
        } catch (RuntimeException e) {
            server.shutdownNow();
            throw e;
        }
    }

    /**
     * Returns the bound address.
     *
     * @return the address
     */
    public InetSocketAddress address() {
        return address;
    }

    /** Shuts the server down at once. Idempotent. */
    public void close() {
        if (closed.compareAndSet(false, true)) {
            server.shutdownNow();
        }
    }
}
