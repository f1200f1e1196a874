# The node tier's guest script (run by ../../kernel/guest/init as /shared/script.sh): a Kubernetes
# node of the host's control plane. In chroot /host (the host's root over 9p, read-only) it runs
# bookworm's containerd and runc, the CNI bridge plugin and the kubelet built by ../build-kubelet.sh.
# The only network is QEMU user networking with restrict=on and one guestfwd: 10.0.2.100:6443 is the
# host's API server; socat relays the guest's port 6443 (loopback for the kubelet, the pod bridge's
# gateway 10.88.0.1 for pods) to it, so the serving certificate's 127.0.0.1 matches for the kubelet.
#
# Environment (env.sh): LP_NODE_NAME, LP_NODE_BIN, LP_NODE_PKGS, LP_KERNEL_IMAGE, LP_KERNEL_RELEASE,
# LP_SHARED_HOST, LP_NODE_IMAGES (image tarballs' host paths, space-separated: the first is the pod
# sandbox image). The persistent disk (QEMU's first virtio disk, /dev/vda, ext4) holds containerd's
# root and the daemon's state directory (the chart's stateHostPath: module cache and records), so
# they outlive a reboot; the images are imported once per disk. The kubelet's static pod directory
# (staticPodPath /var/lib/kubernetes/manifests: the host's /etc is read-only here) is the disk's
# manifests/, so a static pod written there runs again at the next boot, API server or not. Shared files in: kubeconfig. Out: containerd.log,
# kubelet.log, socat.log, node-events (timestamps). Commands: the harness writes cmd/N.sh; this runs
# them in order and writes cmd/N.out, then cmd/N.rc; cmd/stop ends the guest.
H=/host
S=/shared
ev() { echo "$1 $(cut -d' ' -f1 /proc/uptime)" >>$S/node-events; echo "LP_NODE $1"; }
fail() { echo "LP_NODE_FAILED: $*"; exit 1; }
in_host() { chroot $H "$@"; }

in_host /sbin/modprobe -d "$LP_KERNEL_IMAGE" -S "$LP_KERNEL_RELEASE" -a virtio_net bridge veth overlay virtio_blk ext4 \
  || fail "modprobe virtio_net bridge veth overlay virtio_blk ext4"
ip link set lo up
ip link set eth0 up && ip addr add 10.0.2.15/24 dev eth0 || fail "eth0"

mount -t cgroup2 cgroup2 $H/sys/fs/cgroup || fail "mount cgroup2"
echo "+cpu +cpuset +io +memory +pids" >$H/sys/fs/cgroup/cgroup.subtree_control
mount -t tmpfs -o size=75% tmpfs $H/var/lib || fail "tmpfs /var/lib"
mount -t tmpfs tmpfs $H/var/log || fail "tmpfs /var/log"
mkdir -p $H/var/lib/kubelet $H/var/lib/containerd $H/var/lib/livepatch-operator $H/var/lib/disk $H/run/lp $H/run/cni/net.d
i=0; while [ ! -b /dev/vda ]; do i=$((i + 1)); [ $i -gt 100 ] && fail "no /dev/vda after 10 s"; sleep 0.1; done
mount -t ext4 /dev/vda $H/var/lib/disk || fail "mount the persistent disk"
mkdir -p $H/var/lib/disk/containerd $H/var/lib/disk/livepatch-operator $H/var/lib/disk/manifests $H/var/lib/kubernetes/manifests
mount -o bind $H/var/lib/disk/containerd $H/var/lib/containerd || fail "bind containerd's root"
mount -o bind $H/var/lib/disk/livepatch-operator $H/var/lib/livepatch-operator || fail "bind the daemon's state"
mount -o bind $H/var/lib/disk/manifests $H/var/lib/kubernetes/manifests || fail "bind the static pod directory"
: >$H/run/lp/resolv.conf

cat >$H/run/cni/net.d/10-lp.conflist <<CNI
{"cniVersion":"0.4.0","name":"lp","plugins":[{"type":"bridge","bridge":"cni0","isGateway":true,"ipMasq":false,
 "ipam":{"type":"host-local","dataDir":"/run/cni/ipam","ranges":[[{"subnet":"10.88.0.0/24","gateway":"10.88.0.1"}]],
 "routes":[{"dst":"0.0.0.0/0"}]}}]}
CNI
cat >$H/run/lp/containerd.toml <<TOML
version = 2
root = "/var/lib/containerd"
state = "/run/containerd"
disabled_plugins = ["io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.devmapper", "io.containerd.internal.v1.tracing"]
[grpc]
  address = "/run/containerd/containerd.sock"
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "localhost/livepatch-node-sandbox:1"
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "$LP_NODE_PKGS/usr/lib/cni"
    conf_dir = "/run/cni/net.d"
TOML
cat >$H/run/lp/kubelet.yaml <<YAML
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
address: 127.0.0.1
readOnlyPort: 10255
authentication: {anonymous: {enabled: true}, webhook: {enabled: false}}
authorization: {mode: AlwaysAllow}
cgroupDriver: cgroupfs
containerRuntimeEndpoint: unix:///run/containerd/containerd.sock
failSwapOn: false
resolvConf: /run/lp/resolv.conf
imageGCHighThresholdPercent: 100
imageGCLowThresholdPercent: 99
evictionHard: {memory.available: "20Mi", nodefs.available: "0%", imagefs.available: "0%"}
localStorageCapacityIsolation: true
staticPodPath: /var/lib/kubernetes/manifests
podLogsDir: /var/log/pods
YAML
ev guest-ready

in_host env LD_LIBRARY_PATH="$LP_NODE_PKGS/usr/lib/x86_64-linux-gnu" "$LP_NODE_PKGS/usr/bin/socat" \
  TCP-LISTEN:6443,fork,reuseaddr TCP:10.0.2.100:6443 >$S/socat.log 2>&1 &
in_host /usr/bin/containerd --config /run/lp/containerd.toml >$S/containerd.log 2>&1 &
containerd=$!
i=0; while [ ! -S $H/run/containerd/containerd.sock ]; do
  i=$((i + 1)); [ $i -gt 600 ] && fail "containerd socket after 60 s"; sleep 0.1
done
ev containerd-up
if [ -e $H/var/lib/containerd/lp-images-imported ]; then
  ev images-kept
else
  for tar in $LP_NODE_IMAGES; do
    in_host /usr/bin/ctr -n k8s.io images import --snapshotter overlayfs "$tar" \
      >>$S/import.log 2>&1 || fail "ctr import $tar: $(tail -3 $S/import.log)"
  done
  sync && : >$H/var/lib/containerd/lp-images-imported
  ev images-imported
fi

start_kubelet() {
  in_host "$LP_NODE_BIN/kubelet" --config=/run/lp/kubelet.yaml --kubeconfig="$LP_SHARED_HOST/kubeconfig" \
    --hostname-override="$LP_NODE_NAME" --root-dir=/var/lib/kubelet --v=1 >>$S/kubelet.log 2>&1 &
  kubelet=$!
}
start_kubelet
ev kubelet-started
# localStorageCapacityIsolation makes cadvisor collect file system usage, which the summary API
# (/stats/summary) needs; should the kubelet exit at start because cadvisor cannot size its root
# directory's file system, it runs again without it (the summary API then answers 500).
disk_stats_fallback() {
  if [ -z "$fallback" ] && ! kill -0 $kubelet 2>/dev/null && grep -q 'failed to get rootfs info' $S/kubelet.log; then
    fallback=1
    sed -i 's/^localStorageCapacityIsolation: true/localStorageCapacityIsolation: false/' $H/run/lp/kubelet.yaml
    start_kubelet
    ev kubelet-restarted-without-disk-stats
  fi
}

mkdir -p $S/cmd
n=1
while [ ! -e $S/cmd/stop ]; do
  disk_stats_fallback
  if [ -f $S/cmd/$n.sh ]; then
    /bin/sh $S/cmd/$n.sh >$S/cmd/$n.out 2>&1
    echo $? >$S/cmd/$n.rc.tmp && mv $S/cmd/$n.rc.tmp $S/cmd/$n.rc
    n=$((n + 1))
  else
    sleep 0.3
  fi
done
ev stopping
# Power-off: the kubelet, then containerd, then the disk synced (the containers' mounts may keep it busy:
# ext4's journal covers that at the next mount).
kill $kubelet 2>/dev/null
sleep 1
kill $containerd 2>/dev/null
sleep 2
sync
umount $H/var/lib/kubernetes/manifests $H/var/lib/livepatch-operator $H/var/lib/containerd 2>/dev/null
umount $H/var/lib/disk 2>/dev/null || echo "LP_NODE the persistent disk was still busy at power-off (synced)"
