package dev.livepatch.daemon.kernel;

import dev.livepatch.api.v1alpha1.BlockingTask;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The kernel layer against a hand-made sysfs/procfs tree. */
class KernelLayerTest {
    @TempDir
    Path root;

    private void file(String rel, String content) throws Exception {
        Path f = root.resolve(rel);
        Files.createDirectories(f.getParent());
        Files.writeString(f, content + "\n");
    }

    @Test
    void readsPatchesCapabilitiesModulesAndBlockingTasks() throws Exception {
        file("proc/sys/kernel/osrelease", "6.14.0-1-amd64");
        file("proc/sys/kernel/random/boot_id", "b0");
        for (String[] p : new String[][] {{"lp_b", "2"}, {"lp_a", "1"}}) {
            file("sys/kernel/livepatch/" + p[0] + "/enabled", "1");
            file("sys/kernel/livepatch/" + p[0] + "/transition", p[0].equals("lp_b") ? "1" : "0");
            file("sys/kernel/livepatch/" + p[0] + "/replace", "0");
            file("sys/kernel/livepatch/" + p[0] + "/stack_order", p[1]);
        }
        file("proc/modules", "lp_a 16384 1 - Live 0x0 (OEK)\nlp_b 16384 1 - Live 0x0 (OEK)\next4 1 0 - Live 0x0");
        file("sys/module/lp_a/refcnt", "1");
        file("proc/100/task/100/patch_state", "0");
        file("proc/100/task/100/comm", "fio");
        file("proc/100/task/100/stack", String.join("\n", List.of("[<0>] f0", "[<0>] f1", "[<0>] f2", "[<0>] f3", "[<0>] f4", "[<0>] f5", "[<0>] f6", "[<0>] f7", "[<0>] f8")));
        file("proc/100/task/101/patch_state", "1");
        file("proc/200/task/200/patch_state", "-1");

        SysfsKernel k = new SysfsKernel(root);
        assertThat(k.release()).isEqualTo("6.14.0-1-amd64");
        assertThat(k.patches()).extracting(PatchState::name).containsExactly("lp_a", "lp_b");
        assertThat(k.patch("lp_b")).hasValueSatisfying(p -> assertThat(p.transition()).isTrue());
        assertThat(k.capabilities().getReplaceAttr()).isTrue();
        assertThat(k.capabilities().getStackOrderAttr()).isTrue();
        assertThat(k.capabilities().getHybridAttr()).isFalse();
        assertThat(k.modules()).as("refcounts from /proc/modules, one read (lp_b has no refcnt file)")
                .containsOnly(org.assertj.core.api.Assertions.entry("lp_a", 1), org.assertj.core.api.Assertions.entry("lp_b", 1),
                        org.assertj.core.api.Assertions.entry("ext4", 0));
        BlockingTaskScan scan = k.blockingTasks(1, 10);
        assertThat(scan.failure()).isEmpty();
        assertThat(scan.tasks()).singleElement().satisfies(t -> {
            assertThat(t.getPid()).isEqualTo(100);
            assertThat(t.getComm()).isEqualTo("fio");
            assertThat(t.getStack()).hasSize(BlockingTask.MAX_STACK_FRAMES).first().isEqualTo("f0");
        });
        assertThatThrownBy(() -> k.writeReplaceable("lp_a", false))
                .isInstanceOfSatisfying(KernelException.class, e -> assertThat(e.errno()).isEqualTo(Errno.ENOENT));
        assertThatThrownBy(() -> k.writeEnabled("../../x", false)).isInstanceOf(KernelException.class);
    }

    @Test
    void blockingTasksSayWhyWhenProcCannotBeListed() throws Exception {
        assertThat(new SysfsKernel(root).blockingTasks(1, 10).failure())
                .hasValue("failed to list " + root.resolve("proc") + ": no such file or directory (ENOENT)");
        file("proc", "not a directory");
        BlockingTaskScan scan = new SysfsKernel(root).blockingTasks(1, 10);
        assertThat(scan.tasks()).isEmpty();
        assertThat(scan.failure()).hasValue("failed to list " + root.resolve("proc") + ": not a directory (OTHER)");
    }

    @Test
    void aProcessThatCannotBeListedIsSkippedNotTheWholeLook() throws Exception {
        file("proc/100/task/100/patch_state", "0");
        file("proc/100/task/100/comm", "fio");
        file("proc/300/task", "a process that exited while /proc was read");
        BlockingTaskScan scan = new SysfsKernel(root).blockingTasks(1, 10);
        assertThat(scan.failure()).isEmpty();
        assertThat(scan.tasks()).extracting(BlockingTask::getPid).containsExactly(100);
    }

    @Test
    void recognisesKernelLogLines() {
        assertThat(KmsgEvent.parse("6,1234,5000000,-;livepatch: enabling patch 'lp_a'")).hasValueSatisfying(e -> {
            assertThat(e.kind()).isEqualTo(KmsgEvent.Kind.ENABLING);
            assertThat(e.patch()).isEqualTo("lp_a");
            assertThat(e.sequence()).isEqualTo(1234);
        });
        assertThat(KmsgEvent.parse("6,1,1,-;livepatch: 'lp_a': starting unpatching transition")).map(KmsgEvent::kind).hasValue(KmsgEvent.Kind.UNPATCHING_STARTED);
        assertThat(KmsgEvent.parse("6,1,1,-;livepatch: 'lp_a': patching complete")).map(KmsgEvent::kind).hasValue(KmsgEvent.Kind.PATCHING_COMPLETE);
        assertThat(KmsgEvent.parse("6,1,1,-;livepatch: signaling remaining tasks")).map(KmsgEvent::kind).hasValue(KmsgEvent.Kind.SIGNALING);
        assertThat(KmsgEvent.parse("4,1,1,-;livepatch: forcing remaining tasks to the patched state")).map(KmsgEvent::kind).hasValue(KmsgEvent.Kind.FORCING);
        assertThat(KmsgEvent.parse("4,9,1,c;rcu_tasks_wait_gp: rcu_tasks grace period 1046 is 10088 jiffies old."))
                .map(KmsgEvent::kind).hasValue(KmsgEvent.Kind.RCU_TASKS_STALL);
        assertThat(KmsgEvent.parse("4,9,1,-;rcu_tasks_wait_gp: rcu_tasks grace period number 1046 (since boot) is 10088 jiffies old."))
                .as("the wording of 6.2 and later").map(KmsgEvent::kind).hasValue(KmsgEvent.Kind.RCU_TASKS_STALL);
        assertThat(KmsgEvent.parse("6,1,1,-;e1000e: link up")).isEmpty();
        assertThat(KmsgEvent.parse("garbage")).isEmpty();
    }

    @Test
    void kmsgReaderSkipsRecordsFromBeforeItsStart() throws Exception {
        file("proc/uptime", "100.00 50.00");
        KmsgReader reader = new KmsgReader(root.resolve("nope"), root.resolve("proc/uptime"));
        reader.accept("6,1,99000000,-;livepatch: 'old': patching complete\n6,2,101000000,-;livepatch: 'new': patching complete");
        assertThat(reader.drain()).extracting(KmsgEvent::patch).containsExactly("new");
        assertThat(reader.drain()).isEmpty();
    }

    @Test
    void aReadThatFailsForAnyReasonButAbsenceIsAnErrorNeverAbsence() throws Exception {
        file("proc/sys/kernel/osrelease", "6.1.0-56-amd64");
        file("proc/modules", "lp_a 16384 - - Live 0x0 (OEK)"); // no refcount in /proc/modules: the refcnt file is read
        file("sys/kernel/livepatch/lp_a/transition", "0");
        Files.createDirectories(root.resolve("sys/kernel/livepatch/lp_a/enabled")); // read(2) of a directory: EISDIR
        SysfsKernel k = new SysfsKernel(root);
        assertThatThrownBy(k::patches).isInstanceOfSatisfying(KernelException.class, e -> assertThat(e.errno()).isEqualTo(Errno.OTHER))
                .hasMessageContaining("failed to read").hasMessageContaining("lp_a/enabled");

        Files.createDirectories(root.resolve("sys/module/lp_a/refcnt"));
        assertThatThrownBy(k::modules).isInstanceOf(KernelException.class).hasMessageContaining("lp_a/refcnt");

        Files.delete(root.resolve("sys/module/lp_a/refcnt"));
        assertThat(k.modules()).as("absent stays absent").containsEntry("lp_a", 0);
        Files.delete(root.resolve("sys/kernel/livepatch/lp_a/enabled"));
        assertThat(k.patches()).as("a patch dir caught vanishing").isEmpty();
        Files.delete(root.resolve("proc/sys/kernel/osrelease"));
        Files.createDirectories(root.resolve("proc/sys/kernel/osrelease"));
        assertThatThrownBy(k::release).isInstanceOfSatisfying(KernelException.class, e -> assertThat(e.errno()).isNotEqualTo(Errno.ENOENT));
    }

    @Test
    void ioErrorsMapToTheirErrno() {
        assertThat(Errno.of(new java.nio.file.AccessDeniedException("/sys/x"))).isEqualTo(Errno.EACCES);
        assertThat(Errno.of(new java.nio.file.FileSystemException("/sys/x", null, "Too many open files"))).isEqualTo(Errno.EMFILE);
        assertThat(Errno.of(new java.nio.file.NoSuchFileException("/sys/x"))).isEqualTo(Errno.ENOENT);
        assertThat(Errno.of(new java.nio.file.FileSystemException("/sys/x", null, "No such device"))).isEqualTo(Errno.ENODEV);
        assertThat(Errno.of(new java.nio.file.FileSystemException("/dev/x", null, "No such device or address"))).isEqualTo(Errno.OTHER);
        assertThat(SysfsKernel.vanished(new java.nio.file.FileSystemException("/sys/kernel/livepatch/lp_a/enabled", null, "No such device")))
                .as("sysfs: an attribute of a patch being removed").isTrue();
        assertThat(SysfsKernel.vanished(new java.nio.file.FileSystemException("/sys/x", null, "Is a directory"))).isFalse();
        assertThat(SysfsKernel.vanished(new java.nio.file.AccessDeniedException("/sys/x"))).isFalse();
        assertThat(Errno.fromNumber(129)).isEqualTo(Errno.EKEYREJECTED);
        assertThat(Errno.fromNumber(17).text()).isEqualTo("File exists");
        assertThat(Errno.fromNumber(9999)).isEqualTo(Errno.OTHER);
    }
}
