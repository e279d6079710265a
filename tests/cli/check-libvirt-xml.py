#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""The cli lane's libvirt check: the XML `vfiokit libvirt` prints is valid against
libvirt's own domain schema (virt-xml-validate, Debian package libvirt-clients). Whole
domains are validated as printed; the pieces are first merged into a minimal domain, as
a user merging them with `virsh edit` would.

    check-libvirt-xml.py VFIOKIT MKROOT DATA
"""
import os
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET

CASES = [
    ("vfio-workstation", ["--domain", "--accel", "kvm", "01:00.0", "01:00.1"]),
    ("vfio-workstation", ["--domain", "--accel", "kvm", "--memory", "8G", "--hugepages",
                          "--hide-hypervisor", "--rom", "01:00.0=@DATA@/roms/gtx1080.rom",
                          "01:00.0", "01:00.1", "02:00.0", "02:00.1"]),
    ("vfio-workstation", ["--domain", "--unmanaged", "--firmware", "bios",
                          "10000:00:00.0", "04:02.0"]),
    ("vfio-workstation", ["--domain", "--accel", "kvm", "--firmware", "secure-boot",
                          "01:00.0", "01:00.1"]),
    ("vfio-workstation", ["--accel", "kvm", "--hide-hypervisor", "01:00.0", "01:00.1"]),
    ("vfio-workstation", ["--firmware", "secure-boot", "04:02.0"]),
    ("amd-desktop", ["--accel", "kvm", "01:00.0", "01:00.1"]),
]

SKELETON = """<domain type='kvm'>
  <name>merged</name>
  <memory unit='MiB'>1024</memory>
  <os><type arch='x86_64' machine='q35'>hvm</type></os>
  <features><acpi/></features>
  <devices/>
</domain>
"""


def merge(pieces):
    """Moves the children of the pieces' <features> and <devices> into SKELETON's."""
    dom = ET.fromstring(SKELETON)
    for part in ("features", "devices"):
        src = ET.fromstring(pieces).find(part)
        if src is not None:
            dom.find(part).extend(list(src))
    return ET.tostring(dom, encoding="unicode")


def main(vfiokit, mkroot, data):
    failed = 0
    with tempfile.TemporaryDirectory() as work:
        for n, (topo, args) in enumerate(CASES):
            root = os.path.join(work, topo)
            if not os.path.isdir(root):
                subprocess.run([mkroot, topo, root], check=True)
            args = [a.replace("@DATA@", data) for a in args]
            out = subprocess.run([vfiokit, "--root", root, "libvirt"] + args,
                                 capture_output=True, text=True)
            if out.returncode != 0:
                print(f"FAIL {topo} {args}: exit {out.returncode}: {out.stderr}")
                failed += 1
                continue
            doc = out.stdout if "--domain" in args else merge(out.stdout)
            path = os.path.join(work, f"case{n}.xml")
            with open(path, "w") as f:
                f.write(doc)
            v = subprocess.run(["virt-xml-validate", path, "domain"],
                               capture_output=True, text=True)
            if v.returncode != 0:
                print(f"FAIL {topo} {' '.join(args)}: virt-xml-validate:\n"
                      f"{v.stdout}{v.stderr}{doc}")
                failed += 1
            else:
                print(f"ok {topo} {' '.join(args)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:4]))
