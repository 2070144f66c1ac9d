package computer.aesthetic.moodsync.examples;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A TCP forwarder on 127.0.0.1 in front of a server, that can cut the network: {@link #down()} closes the
 * listening socket and every open connection (clients then see connection refused, as with a crashed PDS),
 * {@link #up()} listens again on the same port. Used by the demo and tests to take the real PDS "down" without
 * losing its data. {@link #loseNextAnswers(int)} forwards requests but cuts the connection when the server's answer
 * starts, so the server has done the work and the client never learns it (a lost answer). Thread-safe.
 */
public final class TcpOutage implements AutoCloseable {
    private final InetSocketAddress target;
    private final int port;
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();
    private volatile ServerSocket server;
    private final java.util.concurrent.atomic.AtomicInteger answersToLose = new java.util.concurrent.atomic.AtomicInteger();
    private final java.util.concurrent.atomic.AtomicInteger answersLost = new java.util.concurrent.atomic.AtomicInteger();

    private TcpOutage(InetSocketAddress target, int port) {
        this.target = target;
        this.port = port;
    }

    /**
     * Starts forwarding an ephemeral local port to {@code host:port}.
     *
     * @param host the server's host
     * @param targetPort the server's port
     * @return the running forwarder
     */
    public static TcpOutage forward(String host, int targetPort) {
        int local;
        try (ServerSocket probe = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            local = probe.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open a local port", e);
        }
        TcpOutage outage = new TcpOutage(new InetSocketAddress(host, targetPort), local);
        outage.up();
        return outage;
    }

    /**
     * Returns the forwarder's URL for HTTP clients.
     *
     * @return {@code http://127.0.0.1:PORT}
     */
    public String url() {
        return "http://127.0.0.1:" + port;
    }

    /** Starts listening again (no-op when up). */
    public synchronized void up() {
        if (server != null) {
            return;
        }
        try {
            ServerSocket s = new ServerSocket();
            s.setReuseAddress(true);
            s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 50);
            server = s;
            Thread acceptor = new Thread(() -> accept(s), "tcp-outage-accept");
            acceptor.setDaemon(true);
            acceptor.start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot listen on 127.0.0.1:" + port, e);
        }
    }

    /** Cuts the network: stops listening and resets every open connection (no-op when down). */
    public synchronized void down() {
        ServerSocket s = server;
        server = null;
        if (s != null) {
            closeQuietly(s);
        }
        for (Socket socket : open) {
            closeQuietly(socket);
        }
        open.clear();
    }

    /**
     * Makes the forwarder drop the next {@code n} answers: the request reaches the server, which processes it
     * (a write is committed), and when the first bytes of its answer come back the connection is reset in both
     * directions without forwarding them. The client sees the connection drop after sending its request, as with
     * a network cut or a proxy timeout after the effect. Any answer counts (a read, a session refresh), so arm
     * it just before the call whose answer should be lost. Adds to answers already armed.
     *
     * @param n how many answers to drop, at least 0
     * @throws IllegalArgumentException if {@code n} is negative
     */
    public void loseNextAnswers(int n) {
        if (n < 0) {
            throw new IllegalArgumentException("n must be >= 0, found " + n);
        }
        answersToLose.addAndGet(n);
    }

    /**
     * Returns how many answers were dropped by {@link #loseNextAnswers(int)} so far.
     *
     * @return the count
     */
    public int answersLost() {
        return answersLost.get();
    }

    /**
     * Tells whether the forwarder is listening.
     *
     * @return true when up
     */
    public boolean isUp() {
        return server != null;
    }

    private void accept(ServerSocket s) {
        while (!s.isClosed()) {
            try {
                Socket client = s.accept();
                Socket upstream = new Socket();
                upstream.connect(target, 5_000);
                open.add(client);
                open.add(upstream);
                pipe(client, upstream, false);
                pipe(upstream, client, true);
            } catch (IOException e) {
                if (!s.isClosed()) {
                    continue;
                }
                return;
            }
        }
    }

    private void pipe(Socket from, Socket to, boolean answers) {
        Thread t = new Thread(() -> {
            byte[] buffer = new byte[16 * 1024];
            try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
                int n;
                while ((n = in.read(buffer)) >= 0) {
                    if (answers && n > 0 && answersToLose.getAndUpdate(a -> Math.max(0, a - 1)) > 0) {
                        answersLost.incrementAndGet();
                        to.setSoLinger(true, 0); // reset, not a clean close: the answer is lost
                        return;
                    }
                    out.write(buffer, 0, n);
                    out.flush();
                }
            } catch (IOException e) {
                // a closed side ends the pipe
            } finally {
                closeQuietly(from);
                closeQuietly(to);
                open.remove(from);
                open.remove(to);
            }
        }, "tcp-outage-pipe");
        t.setDaemon(true);
        t.start();
    }

    private static void closeQuietly(AutoCloseable c) {
        try {
            c.close();
        } catch (Exception e) {
            // nothing to do
        }
    }

    @Override
    public void close() {
        down();
    }

    @Override
    public String toString() {
        return "TcpOutage[" + url() + " -> " + target + (isUp() ? ", up" : ", down") + "]";
    }
}
