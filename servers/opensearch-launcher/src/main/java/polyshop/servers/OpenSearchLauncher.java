package polyshop.servers;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.opensearch.analysis.common.CommonAnalysisPlugin;
import org.opensearch.bootstrap.BootstrapCheck;
import org.opensearch.bootstrap.BootstrapContext;
import org.opensearch.common.logging.LogConfigurator;
import org.opensearch.common.settings.Settings;
import org.opensearch.core.common.transport.BoundTransportAddress;
import org.opensearch.env.Environment;
import org.opensearch.index.mapper.MapperExtrasPlugin;
import org.opensearch.index.reindex.ReindexPlugin;
import org.opensearch.node.InternalSettingsPreparer;
import org.opensearch.node.Node;
import org.opensearch.painless.PainlessPlugin;
import org.opensearch.plugins.Plugin;
import org.opensearch.transport.Netty4Plugin;

/**
 * A single OpenSearch node for tests, built from the Maven Central artifacts instead of the distribution:
 * the modules it needs are passed as classpath plugins (as OpenSearch's own test framework does).
 * No security plugin, no security manager, no bootstrap checks; loopback only.
 *
 * Usage: java -cp ... polyshop.servers.OpenSearchLauncher <home-dir> <http-port> [transport-port]
 */
public final class OpenSearchLauncher {

    /** The modules of the distribution that this node loads. */
    static final List<Class<? extends Plugin>> PLUGINS = List.of(
        Netty4Plugin.class,          // transport-netty4: HTTP and transport layers
        CommonAnalysisPlugin.class,  // analysis-common: english, stemmers, ngram, synonym, ...
        MapperExtrasPlugin.class,    // mapper-extras: scaled_float, search_as_you_type, rank_feature, ...
        ReindexPlugin.class,         // reindex: _reindex, _update_by_query, _delete_by_query
        PainlessPlugin.class         // lang-painless: scripts
    );

    static final class TestNode extends Node {
        TestNode(Environment env, Collection<Class<? extends Plugin>> plugins) {
            super(env, plugins, true);
        }

        @Override
        protected void validateNodeBeforeAcceptingRequests(BootstrapContext context, BoundTransportAddress boundTransportAddress,
                                                           List<BootstrapCheck> checks) {
            // a loopback-only test node: the production bootstrap checks (mmap count, file descriptors, ...) do not apply
        }
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 2) {
            System.err.println("usage: OpenSearchLauncher <home-dir> <http-port> [transport-port]");
            System.exit(2);
        }
        // Netty would otherwise try to set the processor count a second time and fail
        System.setProperty("opensearch.set.netty.runtime.available.processors", "false");
        System.setProperty("io.netty.allocator.numDirectArenas", "0");

        Path home = Paths.get(args[0]).toAbsolutePath();
        String httpPort = args[1];
        String transportPort = args.length > 2 ? args[2] : "9300-9399";
        Path config = home.resolve("config");
        Files.createDirectories(config);
        Files.createDirectories(home.resolve("modules"));
        Files.createDirectories(home.resolve("plugins"));
        Files.createDirectories(home.resolve("logs"));
        Files.createDirectories(home.resolve("data"));
        try (InputStream in = OpenSearchLauncher.class.getResourceAsStream("/log4j2.properties")) {
            Files.copy(in, config.resolve("log4j2.properties"), StandardCopyOption.REPLACE_EXISTING);
        }

        Settings settings = Settings.builder()
            .put("path.home", home.toString())
            .put("path.data", home.resolve("data").toString())
            .put("path.logs", home.resolve("logs").toString())
            .put("cluster.name", "polyshop-test")
            .put("node.name", "polyshop-test-node")
            .put("network.host", "127.0.0.1")
            .put("http.port", httpPort)
            .put("transport.port", transportPort)
            .put("discovery.type", "single-node")
            .put("transport.type", "netty4")
            .put("http.type", "netty4")
            // a test server: never turn indices read-only because the disk is fuller than a production watermark
            .put("cluster.routing.allocation.disk.threshold_enabled", false)
            .put("action.auto_create_index", true)
            .build();
        Environment env = InternalSettingsPreparer.prepareEnvironment(settings, Map.of(), config, () -> "polyshop-test-node");
        LogConfigurator.registerErrorListener();
        LogConfigurator.configure(env);

        Node node = new TestNode(env, PLUGINS);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                node.close();
                node.awaitClose(10, TimeUnit.SECONDS);
            } catch (Exception e) {
                e.printStackTrace();
            } finally {
                stopped.countDown();
            }
        }, "polyshop-opensearch-shutdown"));
        node.start();
        // one node: replicas could never be assigned and would keep every index yellow. As a node setting
        // cluster.default_number_of_replicas is not applied to new indices in 2.19; as a persistent cluster
        // setting it is (the script waits for it before it calls the node ready)
        node.client().admin().cluster().prepareUpdateSettings()
            .setPersistentSettings(Settings.builder().put("cluster.default_number_of_replicas", 0))
            .get();
        System.err.println("polyshop opensearch launcher: node started, http port " + httpPort);
        stopped.await();
    }
}
