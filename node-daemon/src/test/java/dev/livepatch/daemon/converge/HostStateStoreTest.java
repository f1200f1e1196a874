package dev.livepatch.daemon.converge;

import dev.livepatch.daemon.files.DurableFiles;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class HostStateStoreTest {
    @TempDir
    Path dir;

    @Test
    void onlyAMissingFileIsAFreshStateAnythingUnreadableIsAnError() throws Exception {
        Path file = dir.resolve("state.json");
        HostStateStore store = new HostStateStore(file);
        assertThat(store.load()).isNotNull();
        store.save(new HostState());
        String whole = Files.readString(file);
        assertThat(store.load()).isNotNull();

        for (String content : new String[] {whole.substring(0, whole.length() / 2), "garbage{", "", "null"}) {
            Files.writeString(file, content);
            assertThatThrownBy(store::load).as("content '%s'", content).isInstanceOf(StateFileException.class)
                    .hasMessageContaining("failed to parse daemon state " + file).hasMessageContaining("nothing changed");
            assertThat(Files.readString(file)).as("left as it was").isEqualTo(content);
        }
        Files.delete(file);
        Files.createDirectories(file);
        assertThatThrownBy(store::load).isInstanceOf(StateFileException.class).hasMessageContaining("failed to read daemon state");
        assertThatThrownBy(() -> store.save(new HostState())).isInstanceOf(StateFileException.class)
                .hasMessageContaining("failed to write daemon state");
    }

    @Test
    void aSaveSyncsTheTempFileBeforeTheRenameAndTheDirectoryAfterIt() throws Exception {
        Path file = dir.resolve("state.json");
        List<String> events = new ArrayList<>();
        HostStateStore store = new HostStateStore(file, new DurableFiles((channel, path) ->
                events.add((path.equals(dir) ? "dir" : path.getFileName().toString().endsWith(".tmp") ? "temp" : path.toString())
                        + (Files.exists(file) ? " after rename" : " before rename"))));
        store.save(new HostState());
        assertThat(events).containsExactly("temp before rename", "dir after rename");
        try (var entries = Files.list(dir)) {
            assertThat(entries).containsExactly(file);
        }
    }
}
