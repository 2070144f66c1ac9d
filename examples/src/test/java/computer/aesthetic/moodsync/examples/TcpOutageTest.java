package computer.aesthetic.moodsync.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The forwarder's lost-answer mode on a line-echo server: the server gets the request, the client no answer. */
class TcpOutageTest {
    private ServerSocket server;
    private final List<String> received = new CopyOnWriteArrayList<>();
    private TcpOutage outage;

    @BeforeEach
    void startEcho() throws IOException {
        server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread t = new Thread(() -> {
            while (!server.isClosed()) {
                try {
                    Socket s = server.accept();
                    Thread h = new Thread(() -> echo(s));
                    h.setDaemon(true);
                    h.start();
                } catch (IOException e) {
                    return;
                }
            }
        });
        t.setDaemon(true);
        t.start();
        outage = TcpOutage.forward("127.0.0.1", server.getLocalPort());
    }

    private void echo(Socket s) {
        try (s; BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
                PrintWriter out = new PrintWriter(s.getOutputStream(), true, StandardCharsets.UTF_8)) {
            String line;
            while ((line = in.readLine()) != null) {
                received.add(line);
                out.println("ok " + line);
            }
        } catch (IOException e) {
            // connection cut
        }
    }

    @AfterEach
    void stop() throws IOException {
        outage.close();
        server.close();
    }

    private String call(String request) throws IOException {
        int port = Integer.parseInt(outage.url().substring(outage.url().lastIndexOf(':') + 1));
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
            s.setSoTimeout(5_000);
            OutputStream out = s.getOutputStream();
            out.write((request + "\n").getBytes(StandardCharsets.UTF_8));
            out.flush();
            String answer = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8))
                    .readLine();
            if (answer == null) {
                throw new IOException("connection closed without an answer");
            }
            return answer;
        }
    }

    @Test
    void forwardsNormally() throws IOException {
        assertThat(call("a")).isEqualTo("ok a");
        assertThat(outage.answersLost()).isZero();
    }

    @Test
    void aLostAnswerReachesTheServerButNotTheClient() throws IOException {
        outage.loseNextAnswers(1);
        assertThatThrownBy(() -> call("write-1")).isInstanceOf(IOException.class);
        assertThat(received).containsExactly("write-1");
        assertThat(outage.answersLost()).isEqualTo(1);
        // only one answer is lost
        assertThat(call("write-2")).isEqualTo("ok write-2");
        assertThatThrownBy(() -> outage.loseNextAnswers(-1)).isInstanceOf(IllegalArgumentException.class);
    }
}
