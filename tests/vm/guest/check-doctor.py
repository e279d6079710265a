#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Runs inside the vm lane's guest: `vfiokit doctor` against a real kernel.

usage: check-doctor.py VFIOKIT EXIT [ID=STATUS ...]

The exit status and the named findings must be as given; beyond that, every finding that
the kernel can confirm is compared with what this script reads itself from /sys, /proc
and /dev, so the doctor cannot drift from the kernel it describes."""
import json
import os
import subprocess
import sys


def read(path):
    try:
        with open(path) as f:
            return f.read()
    except OSError:
        return None


def nonempty_dir(path):
    return os.path.isdir(path) and len(os.listdir(path)) > 0


def main():
    tool, want_exit, pairs = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
    text = subprocess.run([tool, "doctor"], capture_output=True, text=True)
    print(text.stdout, end="")
    print(text.stderr, end="", file=sys.stderr)
    out = subprocess.run([tool, "doctor", "--json"], capture_output=True, text=True)
    report = json.loads(out.stdout)
    checks = {c["id"]: c for c in report["checks"]}
    errors = []

    if out.returncode != want_exit or text.returncode != want_exit:
        errors.append(f"exit {out.returncode}/{text.returncode}, expected {want_exit}")
    if report["ready"] != (want_exit == 0):
        errors.append(f"ready is {report['ready']} but exit is {out.returncode}")
    for pair in pairs:
        cid, status = pair.split("=")
        got = checks.get(cid, {}).get("status")
        if got != status:
            errors.append(f"{cid}: {got}, expected {status}: {checks.get(cid)}")

    # What the kernel itself shows.
    active = nonempty_dir("/sys/class/iommu") and nonempty_dir("/sys/kernel/iommu_groups")
    want = "ok" if active else "fail"
    if checks["iommu.active"]["status"] != want:
        errors.append(f"iommu.active is {checks['iommu.active']['status']}, kernel says {want}")
    if active:
        ir = " IR-" in (read("/proc/interrupts") or "")
        got = checks["iommu.interrupt-remapping"]["status"]
        if (got == "ok") != ir:
            errors.append(f"iommu.interrupt-remapping is {got}, /proc/interrupts IR-: {ir}")
    table = os.path.exists("/sys/firmware/acpi/tables/DMAR")
    if (checks["firmware.iommu-table"]["status"] == "ok") != table:
        errors.append(f"firmware.iommu-table disagrees with DMAR present={table}")
    iommufd = os.path.exists("/dev/iommu")
    if iommufd and checks["iommufd"]["status"] != "ok":
        errors.append(f"/dev/iommu exists but iommufd is {checks['iommufd']['status']}")
    for mod in ("vfio", "vfio_pci", "vfio_iommu_type1"):
        c = checks[f"module.{mod}"]
        if os.path.isdir(f"/sys/module/{mod}") and c["status"] != "ok":
            errors.append(f"/sys/module/{mod} exists but module.{mod} is {c['status']}")
    for c in report["checks"]:
        if c["status"] in ("warn", "fail") and not c["fix"]:
            errors.append(f"{c['id']} is {c['status']} without a fix")

    for e in errors:
        print("FAIL:", e, file=sys.stderr)
    print(f"doctor: exit {out.returncode}, {len(report['checks'])} checks, "
          f"{len(errors)} disagreement(s)")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
