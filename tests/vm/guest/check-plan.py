#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Runs inside the vm lane's guest (flat topology): `vfiokit plan` against a real kernel.

The nvme disk is formatted and mounted, then made active swap, then left alone: the plan
must be blocked by the mount, then by the swap, and then be applicable while still
saying the host loses the disk. The e1000e's plan must name its network interface, which
this script reads from sysfs itself. Nothing is bound: plan changes nothing, which is
checked by comparing every device's driver before and after."""
import json
import os
import subprocess
import sys

SYS = "/sys/bus/pci/devices"


def by_class(prefix):
    for bdf in sorted(os.listdir(SYS)):
        with open(os.path.join(SYS, bdf, "class")) as f:
            if f.read().strip().startswith(prefix):
                return bdf
    sys.exit(f"no device of class {prefix}")


def drivers():
    out = {}
    for bdf in os.listdir(SYS):
        link = os.path.join(SYS, bdf, "driver")
        out[bdf] = os.readlink(link) if os.path.islink(link) else None
    return out


def plan(tool, bdf):
    r = subprocess.run([tool, "plan", "--json", bdf], capture_output=True, text=True)
    try:
        return r.returncode, json.loads(r.stdout)
    except json.JSONDecodeError:
        return r.returncode, {"error": r.stderr.strip()}


def ids(p, key):
    return {(f["id"], f["device"]): f for f in p[key]}


def run(*cmd):
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit(f"{' '.join(cmd)}: exit {r.returncode}: {r.stderr.strip()}")


def main():
    tool = sys.argv[1]
    errors = []
    before = drivers()
    nvme = by_class("0x0108")
    nic = by_class("0x0200")
    ctrl = [n for n in os.listdir(os.path.join(SYS, nvme, "nvme"))][0]
    disk = [n for n in os.listdir(os.path.join(SYS, nvme, "nvme", ctrl))
            if n.startswith("nvme") and "n" in n[4:]][0]
    dev = f"/dev/{disk}"

    # The kernel's own module autoloading does not see the modules from the chroot.
    run("modprobe", "ext4")
    run("mkfs.ext4", "-q", "-F", dev)
    os.makedirs("/tmp/vfiokit-mnt", exist_ok=True)
    run("mount", dev, "/tmp/vfiokit-mnt")
    rc, p = plan(tool, nvme)
    f = ids(p, "blockers").get(("block.mounted", nvme))
    if rc != 1 or not f or "/tmp/vfiokit-mnt" not in f["message"]:
        errors.append(f"mounted {disk}: exit {rc}, blockers {p['blockers']}")
    elif f["force"] != "force-in-use-storage":
        errors.append(f"mounted {disk}: force is {f['force']}")
    run("umount", "/tmp/vfiokit-mnt")

    run("mkswap", dev)
    run("swapon", dev)
    rc, p = plan(tool, nvme)
    if rc != 1 or ("block.swap", nvme) not in ids(p, "blockers"):
        errors.append(f"swap on {disk}: exit {rc}, blockers {p['blockers']}")
    run("swapoff", dev)

    rc, p = plan(tool, nvme)
    if rc != 0 or p["blockers"] or ("block.disk", nvme) not in ids(p, "host_loses"):
        errors.append(f"idle {disk}: exit {rc}, {p}")
    if p["must_move"] != [nvme]:
        errors.append(f"must_move {p['must_move']}, expected [{nvme}]")

    ifaces = sorted(os.listdir(os.path.join(SYS, nic, "net")))
    rc, p = plan(tool, nic)
    lost = ids(p, "host_loses").get(("net.interface", nic))
    if rc != 0 or not lost or ifaces[0] not in lost["message"]:
        errors.append(f"nic {nic} ({ifaces}): exit {rc}, host_loses {p['host_loses']}")

    # The same devices by the names the host gives them: the interface, the disk's /dev
    # path, and the bridge (virtual: no PCI device, exit 1).
    for name, want in ((ifaces[0], nic), (dev, nvme), (disk, nvme)):
        rc, p = plan(tool, name)
        if p.get("must_move") != [want]:
            errors.append(f"plan {name}: exit {rc}, must_move {p.get('must_move')}, want {want}")
    r = subprocess.run([tool, "list", "lo"], capture_output=True, text=True)
    if r.returncode != 1 or "belongs to no PCI device" not in r.stderr:
        errors.append(f"list lo: exit {r.returncode}: {r.stderr.strip()}")

    # A default route on a bridge over the NIC: the kernel's routing table, read over
    # rtnetlink, must block the move through the upper device.
    run("modprobe", "bridge")
    run("ip", "link", "add", "br-vfk", "type", "bridge")
    run("ip", "link", "set", ifaces[0], "master", "br-vfk")
    run("ip", "link", "set", "br-vfk", "up")
    run("ip", "addr", "add", "192.0.2.10/24", "dev", "br-vfk")
    run("ip", "route", "add", "default", "via", "192.0.2.1", "dev", "br-vfk", "onlink")
    rc, p = plan(tool, nic)
    f = ids(p, "blockers").get(("net.default-route", nic))
    if rc != 1 or not f or "br-vfk" not in f["message"] or f["force"] != "force-net-in-use":
        errors.append(f"default route via br-vfk: exit {rc}, blockers {p['blockers']}")

    if drivers() != before:
        errors.append("plan changed a driver binding")
    for e in errors:
        print("FAIL:", e, file=sys.stderr)
    print(f"plan: nvme {nvme} ({disk}) mounted/swap/idle and nic {nic} ({ifaces[0]}) checked,"
          f" {len(errors)} failure(s)")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
