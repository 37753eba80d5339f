package polyshop.servers;

import java.util.concurrent.CountDownLatch;

import java.util.List;

import de.bwaldvogel.mongo.MongoServer;
import de.bwaldvogel.mongo.MongoVersion;
import de.bwaldvogel.mongo.backend.memory.MemoryBackend;

/**
 * A MongoDB wire-protocol server for tests: mongo-java-server with its in-memory backend (data is lost on stop).
 *
 * Usage: java -cp ... polyshop.servers.MongoLauncher <port> [host]
 * System properties: polyshop.mongo.version = the server version it reports, 4.4 | 5.0 (default) | 6.0 | 7.0 | 8.0.
 * mongo-java-server's own MONGO_5_0 reports wire version 8 (that of 4.2), which the Node.js driver 7.x refuses
 * (it needs 9+), so the launcher reports the real wire version of the chosen release; the features are
 * mongo-java-server's whatever it reports.
 * polyshop.mongo.oplog = true to enable the oplog (change streams; it keeps every write in memory).
 */
public final class MongoLauncher {
    public static void main(String[] args) throws Exception {
        int port = args.length > 0 ? Integer.parseInt(args[0]) : 27017;
        String host = args.length > 1 ? args[1] : "127.0.0.1";
        MongoVersion version = reported(System.getProperty("polyshop.mongo.version", "5.0"));

        MemoryBackend backend = new MemoryBackend();
        backend.version(version);
        MongoServer server = new MongoServer(backend);
        if (Boolean.getBoolean("polyshop.mongo.oplog")) {
            server.enableOplog();
        }
        server.bind(host, port);

        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.shutdownNow();
            stopped.countDown();
        }, "polyshop-mongo-shutdown"));
        System.err.println("polyshop mongo launcher: mongo-java-server (memory backend, reports " + version.toVersionString()
            + ", wire version " + version.getWireVersion() + ") listening on " + host + ":" + port);
        stopped.await();
    }

    /** The version and wire version a MongoDB release reports in its hello/isMaster answer. */
    static MongoVersion reported(String release) {
        int wire = switch (release) {
            case "4.4" -> 9;
            case "5.0" -> 13;
            case "6.0" -> 17;
            case "7.0" -> 21;
            case "8.0" -> 25;
            default -> throw new IllegalArgumentException("polyshop.mongo.version: one of 4.4 5.0 6.0 7.0 8.0, not " + release);
        };
        String[] parts = release.split("\\.");
        List<Integer> array = List.of(Integer.parseInt(parts[0]), Integer.parseInt(parts[1]), 0);
        return new MongoVersion() {
            @Override public List<Integer> getVersionArray() { return array; }
            @Override public int getWireVersion() { return wire; }
        };
    }
}
