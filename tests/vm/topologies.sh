# SPDX-License-Identifier: LGPL-2.1-or-later
# The vm lane's machines, one function each, printing QEMU arguments one per line.
# $1 is the scratch directory (for disk images). Every topology but the negative ones
# has the emulated VT-d with interrupt remapping.

IOMMU=(-device intel-iommu,intremap=on,caching-mode=on)

nvme_disk() { # $1 scratch, $2 name, $3 byte to fill with
	local img="$1/$2.img"
	[ -f "$img" ] || head -c 16M /dev/zero | tr '\0' "\\$(printf '%03o' "$3")" >"$img"
	echo "$img"
}

# (a) flat: QEMU's edu teaching device, an e1000e NIC and an nvme disk on the root bus.
topo_flat() {
	printf '%s\n' "${IOMMU[@]}" -device edu \
		-netdev user,id=n0,restrict=on -device e1000e,netdev=n0 \
		-drive "file=$(nvme_disk "$1" flat-nvme 171),if=none,id=nv0,format=raw" \
		-device nvme,drive=nv0,serial=flat0
}

# (b) a GPU-like card: VGA as .0 and HD audio as .1 of one slot behind a root port.
topo_gpu() {
	printf '%s\n' "${IOMMU[@]}" -vga none \
		-device pcie-root-port,id=rp1,chassis=1,slot=1 \
		-device VGA,bus=rp1,addr=00.0,multifunction=on \
		-device ich9-intel-hda,bus=rp1,addr=00.1
}

# (c) two endpoints behind a PCIe-to-PCI bridge: the bridge cannot isolate them.
topo_bridge() {
	printf '%s\n' "${IOMMU[@]}" \
		-device pcie-pci-bridge,id=br1 \
		-device edu,bus=br1,addr=01.0 -device edu,bus=br1,addr=02.0
}

# (d) a switch: upstream port, two downstream ports, an endpoint below each.
topo_switch() {
	printf '%s\n' "${IOMMU[@]}" \
		-device pcie-root-port,id=rp1,chassis=1,slot=1 \
		-device x3130-upstream,id=up1,bus=rp1 \
		-device xio3130-downstream,id=dn1,bus=up1,chassis=2,slot=1 \
		-device xio3130-downstream,id=dn2,bus=up1,chassis=2,slot=2 \
		-device edu,bus=dn1 \
		-device "nvme,bus=dn2,serial=sw0,drive=nv0" \
		-drive "file=$(nvme_disk "$1" switch-nvme 0),if=none,id=nv0,format=raw"
}

# (e) nvme with SR-IOV: 4 virtual functions possible.
topo_sriov() {
	printf '%s\n' "${IOMMU[@]}" \
		-device pcie-root-port,id=rp1,chassis=1,slot=1 \
		-device nvme-subsys,id=subsys0 \
		-device "nvme,id=nvme0,bus=rp1,serial=sriov0,subsys=subsys0,sriov_max_vfs=4,sriov_vq_flexible=20,sriov_vi_flexible=4,max_ioqpairs=24,msix_qsize=32" \
		-drive "file=$(nvme_disk "$1" sriov-nvme 0),if=none,id=nv0,format=raw" \
		-device nvme-ns,drive=nv0,bus=nvme0,nsid=1,shared=false
}

# (e') the same nvme with 64 VFs, for bulk binds (QEMU wants 2 flexible queues and one
# flexible interrupt per VF in the PF's pool).
topo_sriov64() {
	printf '%s\n' "${IOMMU[@]}" \
		-device pcie-root-port,id=rp1,chassis=1,slot=1 \
		-device nvme-subsys,id=subsys0 \
		-device "nvme,id=nvme0,bus=rp1,serial=sriov0,subsys=subsys0,sriov_max_vfs=64,sriov_vq_flexible=128,sriov_vi_flexible=64,max_ioqpairs=132,msix_qsize=72" \
		-drive "file=$(nvme_disk "$1" sriov-nvme 0),if=none,id=nv0,format=raw" \
		-device nvme-ns,drive=nv0,bus=nvme0,nsid=1,shared=false
}

# (e'') over 512 functions, which listings read on several threads: four nvme PFs with
# 127 VFs each (QEMU's most), on root ports of their own, without namespaces.
topo_many() {
	printf '%s\n' "${IOMMU[@]}"
	for i in 1 2 3 4; do
		printf '%s\n' -device "pcie-root-port,id=rp$i,chassis=$i,slot=$i" \
			-device "nvme-subsys,id=subsys$i" \
			-device "nvme,id=nvme$i,bus=rp$i,serial=many$i,subsys=subsys$i,sriov_max_vfs=127,sriov_vq_flexible=254,sriov_vi_flexible=127,max_ioqpairs=258,msix_qsize=135"
	done
}

# 64 e1000e NICs on four PCI bridges, for timing against tools that take only network
# devices (dpdk-devbind.py); no NIC with SR-IOV exists in this QEMU.
topo_nic64() {
	printf '%s\n' "${IOMMU[@]}"
	for b in 1 2 3 4; do
		printf '%s\n' -device "pcie-pci-bridge,id=br$b"
	done
	for b in 1 2 3 4; do
		for slot in $(seq 1 16); do
			printf '%s\n' -device "e1000e,bus=br$b,addr=$(printf 0x%x "$slot")"
		done
	done
}

# (f) negative hosts: no IOMMU at all, and an IOMMU without interrupt remapping.
topo_noiommu() {
	printf '%s\n' -device edu -netdev user,id=n0,restrict=on -device e1000e,netdev=n0
}

topo_nointremap() {
	printf '%s\n' -device intel-iommu,intremap=off,caching-mode=on -device edu \
		-netdev user,id=n0,restrict=on -device e1000e,netdev=n0
}

VM_TOPOLOGIES="flat gpu bridge switch sriov noiommu nointremap"

# (twonic) two identical e1000e NICs, each on its own root port: early binding must take
# the one named and leave its twin to e1000e.
topo_twonic() {
	printf '%s\n' "${IOMMU[@]}" \
		-device pcie-root-port,id=rp1,chassis=1,slot=1 \
		-device pcie-root-port,id=rp2,chassis=2,slot=2 \
		-netdev user,id=n0,restrict=on -device e1000e,netdev=n0,bus=rp1 \
		-netdev user,id=n1,restrict=on -device e1000e,netdev=n1,bus=rp2
}

# The device-access benchmarks' machine: edu (MSI), ivshmem-plain whose BAR2 is 4 MiB of
# plain RAM (MMIO accessors without QEMU's MMIO dispatch in the way), and an nvme disk.
topo_devapi() {
	printf '%s\n' "${IOMMU[@]}" -device edu \
		-object memory-backend-ram,id=m0,size=4M -device ivshmem-plain,memdev=m0 \
		-drive "file=$(nvme_disk "$1" devapi-nvme 0),if=none,id=nv0,format=raw" \
		-device nvme,drive=nv0,serial=devapi0
}
