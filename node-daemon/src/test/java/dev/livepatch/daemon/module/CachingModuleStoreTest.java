package dev.livepatch.daemon.module;

import com.sun.net.httpserver.HttpServer;
import dev.livepatch.api.v1alpha1.ModuleSource;
import dev.livepatch.api.v1alpha1.NodeModule;
import dev.livepatch.api.v1alpha1.NodeReasons;
import dev.livepatch.daemon.sim.ElfModules;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class CachingModuleStoreTest {
    private static final String RELEASE = "6.1.0-56-amd64";
    private static final byte[] MODULE = ElfModules.livepatch("lp_a", RELEASE, false);

    @TempDir
    Path host;

    private static NodeModule module(ModuleSource source) {
        NodeModule m = new NodeModule();
        m.setName("lp_a");
        m.setSource(source);
        return m;
    }

    private CachingModuleStore store(ModuleFetcher... fetchers) {
        return new CachingModuleStore(host.resolve("cache"), List.of(fetchers));
    }

    private static UrlFetcher urls() { return new UrlFetcher(Duration.ofSeconds(5), 3, Duration.ofMillis(1), d -> { }, 1 << 20); }

    @Test
    void fetchesOverHttpRetryingServerErrorsAndCachesBySha256() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/lp_a.ko", ex -> {
            boolean fail = calls.incrementAndGet() < 3;
            byte[] body = fail ? new byte[0] : MODULE;
            ex.sendResponseHeaders(fail ? 503 : 200, fail ? -1 : body.length);
            if (!fail) ex.getResponseBody().write(body);
            ex.close();
        });
        server.start();
        try {
            ModuleSource src = ModuleSource.url("http://127.0.0.1:" + server.getAddress().getPort() + "/lp_a.ko", CachingModuleStore.sha256(MODULE));
            src.setInsecure(true);
            Path file = store(urls()).verified(module(src), RELEASE).file();
            assertThat(calls).hasValue(3);
            assertThat(file).isEqualTo(host.resolve("cache").resolve(src.getSha256() + ".ko"));
            assertThat(Files.readAllBytes(file)).isEqualTo(MODULE);
            // a second call needs no network
            server.stop(0);
            assertThat(store(urls()).verified(module(src), RELEASE).file()).isEqualTo(file);
        } finally {
            server.stop(0);
        }
    }

    @Test
    void refusesPlainHttpWithoutInsecureAndGivesUpOnClientErrors() throws Exception {
        ModuleSource plain = ModuleSource.url("http://127.0.0.1:1/lp_a.ko", CachingModuleStore.sha256(MODULE));
        assertThatThrownBy(() -> store(urls()).verified(module(plain), RELEASE))
                .isInstanceOfSatisfying(ModuleException.class, e -> assertThat(e.reason()).isEqualTo(NodeReasons.FETCH_FAILED))
                .hasMessageContaining("https").hasMessageContaining("nothing loaded");

        AtomicInteger calls = new AtomicInteger();
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", ex -> {
            calls.incrementAndGet();
            ex.sendResponseHeaders(404, -1);
            ex.close();
        });
        server.start();
        try {
            ModuleSource missing = ModuleSource.url("http://127.0.0.1:" + server.getAddress().getPort() + "/x.ko", CachingModuleStore.sha256(MODULE));
            missing.setInsecure(true);
            assertThatThrownBy(() -> store(urls()).verified(module(missing), RELEASE)).hasMessageContaining("HTTP 404");
            assertThat(calls).hasValue(1);
        } finally {
            server.stop(0);
        }
    }

    @Test
    void readsConfigMapBinaryData() throws Exception {
        KubernetesMockServer server = new KubernetesMockServer(false);
        server.init();
        try (KubernetesClient client = server.createClient()) {
            server.expect().get().withPath("/api/v1/namespaces/livepatch-system/configmaps/lp-a")
                    .andReturn(200, new ConfigMapBuilder().withNewMetadata().withName("lp-a").withNamespace("livepatch-system").endMetadata()
                            .addToBinaryData("module.ko", Base64.getEncoder().encodeToString(MODULE)).build()).always();
            ModuleSource src = ModuleSource.configMap("livepatch-system", "lp-a", "module.ko", CachingModuleStore.sha256(MODULE));
            assertThat(store(new ConfigMapFetcher(client)).verified(module(src), RELEASE).bytes()).isEqualTo(MODULE);

            ModuleSource wrongKey = ModuleSource.configMap("livepatch-system", "lp-a", "other.ko", CachingModuleStore.sha256(ElfModules.livepatch("x", RELEASE, true)));
            assertThatThrownBy(() -> store(new ConfigMapFetcher(client)).verified(module(wrongKey), RELEASE))
                    .hasMessageContaining("no binaryData key 'other.ko'");
        } finally {
            server.destroy();
        }
    }

    @Test
    void hostPathStaysUnderTheHostRootAndIsChecked() throws Exception {
        Files.createDirectories(host.resolve("opt"));
        Files.write(host.resolve("opt/lp_a.ko"), MODULE);
        ModuleFetcher hostPaths = new HostPathFetcher(host, 1 << 20);
        assertThat(store(hostPaths).verified(module(ModuleSource.hostPath("/opt/lp_a.ko", CachingModuleStore.sha256(MODULE))), RELEASE).file()).exists();
        assertThatThrownBy(() -> store(hostPaths).verified(module(ModuleSource.hostPath("/opt/../etc/x.ko", "a".repeat(64))), RELEASE))
                .hasMessageContaining("'..'");
        assertThatThrownBy(() -> store(hostPaths).verified(module(ModuleSource.hostPath("/opt/lp_a.ko", "b".repeat(64))), RELEASE))
                .isInstanceOfSatisfying(ModuleException.class, e -> assertThat(e.reason()).isEqualTo(NodeReasons.CHECKSUM_MISMATCH));
        assertThat(host.resolve("cache").resolve("b".repeat(64) + ".ko")).doesNotExist();
        assertThatThrownBy(() -> store(hostPaths).verified(module(ModuleSource.hostPath("/opt/lp_a.ko", CachingModuleStore.sha256(MODULE))), "6.12.1"))
                .isInstanceOfSatisfying(ModuleException.class, e -> assertThat(e.reason()).isEqualTo(NodeReasons.VERMAGIC_MISMATCH));
    }
}
