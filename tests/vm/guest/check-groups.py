#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Runs inside the vm lane's guest: `vfiokit groups --json` must say exactly what the
guest kernel shows in /sys, read here independently of the library. With --bind, one
endpoint is then moved to vfio-pci the way the kernel documents it, and the check repeats
(driver "vfio-pci", vfio true, /dev/vfio/N present). On the "many" topology, whose
hundreds of functions the library reads on several threads, every detail is compared too,
and the output must be the same byte for byte as when vfiokit is pinned to one CPU."""
import json
import os
import subprocess
import sys

SYS = "/sys/bus/pci/devices"
GROUPS = "/sys/kernel/iommu_groups"


def attr(bdf, name):
    with open(os.path.join(SYS, bdf, name)) as f:
        return f.read().strip()


def expected():
    groups = {}
    if os.path.isdir(GROUPS):
        for g in os.listdir(GROUPS):
            groups[int(g)] = sorted(os.listdir(os.path.join(GROUPS, g, "devices")))
    devices = {}
    for bdf in os.listdir(SYS):
        drv = os.path.join(SYS, bdf, "driver")
        devices[bdf] = {
            "vendor_id": attr(bdf, "vendor")[2:],
            "device_id": attr(bdf, "device")[2:],
            "class": attr(bdf, "class")[2:],
            "driver": os.path.basename(os.readlink(drv)) if os.path.islink(drv) else None,
        }
    return groups, devices


def check(tool):
    out = subprocess.run([tool, "groups", "--json"], capture_output=True, text=True)
    if out.returncode != 0:
        sys.exit(f"vfiokit groups failed ({out.returncode}): {out.stderr}")
    got = json.loads(out.stdout)
    groups, devices = expected()
    errors = []
    got_groups = {g["id"]: [d["bdf"] for d in g["devices"]] for g in got["groups"]}
    if got_groups != groups:
        errors.append(f"groups differ:\n  kernel:  {groups}\n  vfiokit: {got_groups}")
    seen = [d for g in got["groups"] for d in g["devices"]] + got["ungrouped"]
    if sorted(d["bdf"] for d in seen) != sorted(devices):
        errors.append("device sets differ")
    for d in seen:
        want = devices.get(d["bdf"])
        for key in ("vendor_id", "device_id", "class", "driver"):
            if want and d[key] != want[key]:
                errors.append(f"{d['bdf']} {key}: kernel {want[key]!r}, vfiokit {d[key]!r}")
    if not groups and len(got["ungrouped"]) != len(devices):
        errors.append("without an IOMMU every device must be listed as ungrouped")
    print(f"{len(groups)} groups, {len(devices)} devices: "
          f"{'match' if not errors else 'MISMATCH'}")
    for e in errors:
        print("  " + e)
    return got, not errors


def bind_vfio(bdf):
    """The kernel's documented sequence: driver_override, unbind, drivers_probe."""
    if not os.path.isdir("/sys/module/vfio_pci"):
        subprocess.run(["modprobe", "vfio-pci"], check=True)
    with open(os.path.join(SYS, bdf, "driver_override"), "w") as f:
        f.write("vfio-pci")
    if os.path.exists(os.path.join(SYS, bdf, "driver")):
        with open(os.path.join(SYS, bdf, "driver", "unbind"), "w") as f:
            f.write(bdf)
    with open("/sys/bus/pci/drivers_probe", "w") as f:
        f.write(bdf)


def check_cdev(bdf):
    """The iommufd kernel gives /dev/iommu and a per-device VFIO cdev."""
    cdevs = os.listdir(os.path.join(SYS, bdf, "vfio-dev"))
    ok = os.path.exists("/dev/iommu") and len(cdevs) == 1 and \
        os.path.exists("/dev/vfio/devices/" + cdevs[0])
    print(f"iommufd: /dev/iommu {'exists' if os.path.exists('/dev/iommu') else 'MISSING'}, "
          f"cdev {cdevs} {'present' if ok else 'MISSING'}")
    return ok


def enable_vfs():
    """QEMU's nvme needs its VF resources assigned before the PF can enable them."""
    pf = next(b for b in os.listdir(SYS) if attr(b, "device") == "0x0010"
              and os.path.exists(os.path.join(SYS, b, "sriov_totalvfs")))
    total = int(attr(pf, "sriov_totalvfs"))
    with open(os.path.join(SYS, pf, "sriov_numvfs"), "w") as f:
        f.write(str(total))
    vfs = [l for l in os.listdir(os.path.join(SYS, pf)) if l.startswith("virtfn")]
    print(f"{pf}: enabled {len(vfs)} of {total} virtual functions")


def details(bdf):
    """What the JSON shows of the attributes read on the worker threads."""
    def opt(name):
        try:
            return attr(bdf, name)
        except FileNotFoundError:
            return None
    override = opt("driver_override")
    numa = opt("numa_node")
    methods = opt("reset_method")
    physfn = os.path.join(SYS, bdf, "physfn")
    return {
        "driver_override": None if override in (None, "(null)") else override,
        "numa_node": int(numa) if numa is not None else None,
        "reset_methods": methods.split() if methods else None,
        "power_state": opt("power_state"),
        "physfn": os.path.basename(os.readlink(physfn)) if os.path.islink(physfn) else None,
    }


def enable_all_vfs():
    """Every SR-IOV PF's virtual functions, left without a driver: probing hundreds of nvme
    VFs would take minutes under TCG, and the listing is what is checked."""
    for pf in sorted(os.listdir(SYS)):
        if not os.path.exists(os.path.join(SYS, pf, "sriov_totalvfs")):
            continue
        with open(os.path.join(SYS, pf, "sriov_drivers_autoprobe"), "w") as f:
            f.write("0")
        total = attr(pf, "sriov_totalvfs")
        with open(os.path.join(SYS, pf, "sriov_numvfs"), "w") as f:
            f.write(total)
        print(f"{pf}: enabled {total} virtual functions")


def check_many(tool, got):
    ok = True
    n = len(os.listdir(SYS))
    if n < 512:
        print(f"only {n} functions: the listing would not be read on several threads")
        return False
    bad = 0
    for d in [d for g in got["groups"] for d in g["devices"]] + got["ungrouped"]:
        want = details(d["bdf"])
        for key, value in want.items():
            if d[key] != value:
                bad += 1
                if bad <= 10:
                    print(f"  {d['bdf']} {key}: kernel {value!r}, vfiokit {d[key]!r}")
    print(f"details of {n} functions: {'match' if not bad else f'{bad} MISMATCHES'}")
    ok = ok and not bad
    for args in (["groups", "--json"], ["groups"], ["list", "--json"]):
        many = subprocess.run([tool] + args, capture_output=True, check=True).stdout
        one = subprocess.run(["taskset", "-c", "0", tool] + args, capture_output=True,
                             check=True).stdout
        same = many == one and len(many) > 0
        print(f"{' '.join(args)}: on every CPU and on one {'the same' if same else 'DIFFER'}")
        ok = ok and same
    trace = os.path.join(os.environ.get("VM_SCRATCH", "/tmp"), "clone.trace")
    subprocess.run(["strace", "-f", "-qq", "-e", "trace=clone,clone3", "-o", trace, tool,
                    "groups", "--json"], capture_output=True, check=True)
    with open(trace) as f:
        threads = sum("CLONE_THREAD" in line for line in f)
    cpus = len(os.sched_getaffinity(0))
    print(f"groups --json started {threads} threads on {cpus} CPUs")
    # One for the devices and one for the groups, each time as many as CPUs past one.
    return ok and (cpus < 2 or threads >= 2)


def main():
    tool = sys.argv[1]
    bind = sys.argv[2] if len(sys.argv) > 2 else None
    if os.environ.get("VM_TOPOLOGY") == "sriov":
        enable_vfs()
    if os.environ.get("VM_TOPOLOGY") == "many":
        enable_all_vfs()
    got, ok = check(tool)
    if os.environ.get("VM_TOPOLOGY") == "many":
        ok = check_many(tool, got) and ok
    if bind:
        # The last match: with SR-IOV that is a VF, since vfio-pci refuses a PF whose VFs
        # are enabled.
        bdf = sorted(d["bdf"] for g in got["groups"] for d in g["devices"]
                     if d["vendor_id"] == bind.split(":")[0]
                     and d["device_id"] == bind.split(":")[1])[-1]
        group = os.path.basename(os.readlink(os.path.join(SYS, bdf, "iommu_group")))
        bind_vfio(bdf)
        print(f"bound {bdf} to vfio-pci; /dev/vfio/{group} "
              f"{'exists' if os.path.exists('/dev/vfio/' + group) else 'MISSING'}")
        got, ok2 = check(tool)
        d = next(d for g in got["groups"] for d in g["devices"] if d["bdf"] == bdf)
        if d["driver"] != "vfio-pci" or not d["vfio"]:
            print(f"  {bdf}: vfiokit says driver {d['driver']!r}, vfio {d['vfio']}")
            ok2 = False
        ok = ok and ok2 and os.path.exists("/dev/vfio/" + group)
        if os.environ.get("VM_KERNEL") == "iommufd":
            ok = check_cdev(bdf) and ok
    sys.exit(0 if ok else 1)


main()
