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
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.Set;
import dev.livepatch.daemon.kernel.ModuleFiles;
import dev.livepatch.daemon.time.ManualClock;
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

    private static NodeModule named(String name, byte[] content) {
        NodeModule m = new NodeModule();
        m.setName(name);
        m.setSource(ModuleSource.hostPath("/opt/m.ko", CachingModuleStore.sha256(content)));
        return m;
    }

    private ModuleFetcher hostFile(byte[] content) throws Exception {
        Files.createDirectories(host.resolve("opt"));
        Files.write(host.resolve("opt/m.ko"), content);
        return new HostPathFetcher(host, 1 << 20);
    }

    @Test
    void refusesAModuleBuiltUnderAnotherNameBeforeAnythingIsCached() throws Exception {
        byte[] lpFix = ElfModules.livepatch("lp_fix", RELEASE, false);
        ModuleFetcher files = hostFile(lpFix);
        assertThatThrownBy(() -> store(files).verified(named("lp_fix_v2", lpFix), RELEASE))
                .isInstanceOfSatisfying(ModuleException.class, e -> {
                    assertThat(e.reason()).isEqualTo(NodeReasons.NAME_MISMATCH);
                    assertThat(e.retryable()).isFalse();
                })
                .hasMessageContaining("'lp_fix'").hasMessageContaining("'lp_fix_v2'").hasMessageContaining("nothing loaded")
                .hasMessageContaining("declare it as 'lp_fix'");
        assertThat(host.resolve("cache")).doesNotExist();
        // '-' and '_' are one character to the kernel
        assertThat(store(files).verified(named("lp-fix", lpFix), RELEASE).name()).isEqualTo("lp_fix");
        byte[] nameless = ElfModules.withModinfo(java.util.Map.of("livepatch", "Y", "vermagic", RELEASE + " SMP"));
        assertThatThrownBy(() -> store(hostFile(nameless)).verified(named("lp_fix", nameless), RELEASE))
                .isInstanceOfSatisfying(ModuleException.class, e -> assertThat(e.reason()).isEqualTo(NodeReasons.NAME_MISMATCH))
                .hasMessageContaining("no modinfo name");
    }

    @Test
    void theCacheDirIsOwnerOnlyAndItsFilesReadOnly() throws Exception {
        store(hostFile(MODULE)).verified(named("lp_a", MODULE), RELEASE);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(host.resolve("cache")))).isEqualTo("rwx------");
        Path cached = host.resolve("cache").resolve(CachingModuleStore.sha256(MODULE) + ".ko");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(cached))).isEqualTo("r--------");
        try (var entries = Files.list(host.resolve("cache"))) {
            assertThat(entries).as("no temp file left").containsExactly(cached);
        }
    }

    @Test
    void pruneDeletesUnreferencedFilesOnceUnusedForTheGraceAndNeverAReferencedOne() throws Exception {
        ManualClock clock = new ManualClock(Instant.parse("2026-01-01T00:00:00Z"));
        byte[] other = ElfModules.livepatch("lp_b", RELEASE, false);
        CachingModuleStore store = new CachingModuleStore(host.resolve("cache"), List.of(hostFile(MODULE)), ModuleFiles.PLAIN,
                Duration.ofMinutes(5), clock, 1 << 20);
        store.verified(named("lp_a", MODULE), RELEASE);
        Path a = store.cacheFile(CachingModuleStore.sha256(MODULE));
        Path b = store.cacheFile(CachingModuleStore.sha256(other));
        Files.write(b, other);
        Files.setLastModifiedTime(b, FileTime.from(clock.instant()));
        Path leftover = host.resolve("cache/." + CachingModuleStore.sha256(other) + ".ko.123.tmp");
        Files.write(leftover, other);
        Files.setLastModifiedTime(leftover, FileTime.from(clock.instant()));

        clock.advance(Duration.ofMinutes(4));
        store.prune(Set.of());
        assertThat(a).as("unreferenced, within the grace").exists();
        assertThat(b).exists();

        clock.advance(Duration.ofMinutes(2));
        store.prune(Set.of(CachingModuleStore.sha256(MODULE)));
        assertThat(a).as("referenced").exists();
        assertThat(b).as("unreferenced past the grace").doesNotExist();
        assertThat(leftover).doesNotExist();

        clock.advance(Duration.ofHours(1));
        store.verified(named("lp_a", MODULE), RELEASE); // a use restarts its grace
        clock.advance(Duration.ofMinutes(1));
        store.prune(Set.of());
        assertThat(a).exists();
    }

    @Test
    void fetchFailuresThatHealWithoutANewSpecAreRetryableBadContentIsNot() throws Exception {
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", ex -> {
            int status = Integer.parseInt(ex.getRequestURI().getPath().substring(1, 4));
            ex.sendResponseHeaders(status, -1);
            ex.close();
        });
        server.start();
        try {
            for (int status : new int[] {500, 503, 429, 408, 404, 403}) {
                ModuleSource src = ModuleSource.url("http://127.0.0.1:" + server.getAddress().getPort() + "/" + status + ".ko",
                        CachingModuleStore.sha256(MODULE));
                src.setInsecure(true);
                assertThatThrownBy(() -> store(urls()).verified(module(src), RELEASE)).as("HTTP %d", status)
                        .isInstanceOfSatisfying(ModuleException.class, e -> assertThat(e.retryable()).as("HTTP %d", status).isTrue())
                        .hasMessageContaining("HTTP " + status);
            }
            ModuleSource gone = ModuleSource.url("http://127.0.0.1:" + server.getAddress().getPort() + "/410.ko", CachingModuleStore.sha256(MODULE));
            gone.setInsecure(true);
            assertThatThrownBy(() -> store(urls()).verified(module(gone), RELEASE))
                    .isInstanceOfSatisfying(ModuleException.class, e -> assertThat(e.retryable()).isFalse());
        } finally {
            server.stop(0);
        }
        ModuleSource refused = ModuleSource.url("http://127.0.0.1:1/lp_a.ko", CachingModuleStore.sha256(MODULE));
        assertThatThrownBy(() -> store(urls()).verified(module(refused), RELEASE))
                .isInstanceOfSatisfying(ModuleException.class, e -> assertThat(e.retryable()).as("http without insecure").isFalse());
        ModuleSource closedPort = ModuleSource.url("http://127.0.0.1:1/lp_a.ko", CachingModuleStore.sha256(MODULE));
        closedPort.setInsecure(true);
        assertThatThrownBy(() -> store(urls()).verified(module(closedPort), RELEASE))
                .isInstanceOfSatisfying(ModuleException.class, e -> assertThat(e.retryable()).as("connection refused").isTrue());
        assertThatThrownBy(() -> store(new HostPathFetcher(host, 1 << 20)).verified(module(ModuleSource.hostPath("/opt/none.ko", "c".repeat(64))), RELEASE))
                .isInstanceOfSatisfying(ModuleException.class, e -> assertThat(e.retryable()).as("hostPath not there yet").isTrue())
                .hasMessageContaining("put the module file there");
        ModuleFetcher files = hostFile(MODULE);
        assertThatThrownBy(() -> store(files).verified(module(ModuleSource.hostPath("/opt/m.ko", "d".repeat(64))), RELEASE))
                .isInstanceOfSatisfying(ModuleException.class, e -> assertThat(e.retryable()).as("checksum").isFalse());
        assertThatThrownBy(() -> store(files).verified(named("lp_a", MODULE), "6.12.0"))
                .isInstanceOfSatisfying(ModuleException.class, e -> assertThat(e.retryable()).as("vermagic").isFalse());
        byte[] notLivepatch = ElfModules.withModinfo(java.util.Map.of("name", "lp_a", "vermagic", RELEASE));
        assertThatThrownBy(() -> store(hostFile(notLivepatch)).verified(named("lp_a", notLivepatch), RELEASE))
                .isInstanceOfSatisfying(ModuleException.class, e -> assertThat(e.retryable()).as("not a livepatch").isFalse());
    }

    @Test
    void configMapReadsThatFailOnTheApiServerAreRetryable() throws Exception {
        KubernetesMockServer server = new KubernetesMockServer(false);
        server.init();
        // no retries inside the client (its default backs off some 20 s on a 429 or 5xx): the classification is under test
        try (KubernetesClient client = new io.fabric8.kubernetes.client.KubernetesClientBuilder().withConfig(
                new io.fabric8.kubernetes.client.ConfigBuilder(server.createClient().getConfiguration()).withRequestRetryBackoffLimit(0).build()).build()) {
            server.expect().get().withPath("/api/v1/namespaces/ns/configmaps/busy").andReturn(429, "{}").always();
            server.expect().get().withPath("/api/v1/namespaces/ns/configmaps/broken").andReturn(500, "{}").always();
            server.expect().get().withPath("/api/v1/namespaces/ns/configmaps/secret").andReturn(403, "{}").always();
            server.expect().get().withPath("/api/v1/namespaces/ns/configmaps/empty")
                    .andReturn(200, new ConfigMapBuilder().withNewMetadata().withName("empty").withNamespace("ns").endMetadata().build()).always();
            for (String name : new String[] {"busy", "broken", "secret", "missing", "empty"}) {
                ModuleSource src = ModuleSource.configMap("ns", name, "module.ko", CachingModuleStore.sha256(MODULE));
                assertThatThrownBy(() -> store(new ConfigMapFetcher(client)).verified(module(src), RELEASE)).as(name)
                        .isInstanceOfSatisfying(ModuleException.class, e -> assertThat(e.retryable()).as(name).isTrue());
            }
            assertThatThrownBy(() -> store(new ConfigMapFetcher(client)).verified(module(ModuleSource.configMap("ns", "missing", "module.ko",
                    CachingModuleStore.sha256(MODULE))), RELEASE)).hasMessageContaining("not found (create it");
            assertThatThrownBy(() -> store(new ConfigMapFetcher(client)).verified(module(ModuleSource.configMap("ns", "secret", "module.ko",
                    CachingModuleStore.sha256(MODULE))), RELEASE)).hasMessageContaining("RBAC");
        } finally {
            server.destroy();
        }
    }
}
