#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""The cli lane's KubeVirt check: what `vfiokit export kubevirt` prints is YAML
(python3-yaml) in the shape of the KubeVirt CR, whose
spec.configuration.permittedHostDevices.pciHostDevices entries have the fields and types
of KubeVirt's API reference (v1.PciHostDevice): pciVendorSelector "vvvv:dddd" in
lowercase hex, resourceName a Kubernetes extended resource name (DOMAIN/NAME),
externalResourceProvider a boolean. The entries are the ids of the devices on vfio-pci,
each once, and --json says the same.

    check-kubevirt-yaml.py VFIOKIT MKROOT PCI_IDS
"""
import json
import os
import re
import subprocess
import sys
import tempfile

TOPOLOGIES = ["vfio-workstation", "server-switches"]
SELECTOR = re.compile(r"^[0-9a-f]{4}:[0-9a-f]{4}$")
# A qualified name: a DNS subdomain prefix, '/', and at most 63 of [A-Za-z0-9_.-].
RESOURCE = re.compile(r"^[a-z0-9]([-a-z0-9.]*[a-z0-9])?/[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$")
FIELDS = {"pciVendorSelector": str, "resourceName": str, "externalResourceProvider": bool}

try:
    import yaml
except ImportError:
    print("python3-yaml is not installed (apt-get install python3-yaml); skipping")
    sys.exit(77)


def vfio_ids(root):
    base = os.path.join(root, "sys/bus/pci/devices")
    ids = set()
    for addr in os.listdir(base):
        drv = os.path.join(base, addr, "driver")
        if os.path.islink(drv) and os.path.basename(os.readlink(drv)) == "vfio-pci":
            with open(os.path.join(base, addr, "vendor")) as v, \
                    open(os.path.join(base, addr, "device")) as d:
                ids.add(f"{v.read().strip()[2:]}:{d.read().strip()[2:]}")
    return ids


def check_entries(topo, entries):
    failed = 0
    if not isinstance(entries, list) or not entries:
        print(f"{topo}: pciHostDevices is not a non-empty list: {entries!r}")
        return 1
    for e in entries:
        if not isinstance(e, dict) or set(e) != set(FIELDS):
            print(f"{topo}: entry {e!r} does not have exactly {sorted(FIELDS)}")
            failed += 1
            continue
        for key, typ in FIELDS.items():
            if type(e[key]) is not typ:
                print(f"{topo}: {key} of {e!r} is not a {typ.__name__}")
                failed += 1
        if isinstance(e["pciVendorSelector"], str) and \
                not SELECTOR.match(e["pciVendorSelector"]):
            print(f"{topo}: pciVendorSelector {e['pciVendorSelector']!r} is not vvvv:dddd")
            failed += 1
        if isinstance(e["resourceName"], str) and not RESOURCE.match(e["resourceName"]):
            print(f"{topo}: resourceName {e['resourceName']!r} is not DOMAIN/NAME")
            failed += 1
    return failed


def check(vfiokit, mkroot, pci_ids, topo, work):
    root = os.path.join(work, topo)
    subprocess.run([mkroot, topo, root], check=True)
    cmd = [vfiokit, "--root", root, "--pci-ids", pci_ids, "export", "kubevirt"]
    text = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    doc = yaml.safe_load(text)
    try:
        entries = doc["spec"]["configuration"]["permittedHostDevices"]["pciHostDevices"]
    except (KeyError, TypeError):
        print(f"{topo}: no spec.configuration.permittedHostDevices.pciHostDevices in\n{text}")
        return 1
    failed = check_entries(topo, entries)
    if failed:
        return failed
    selectors = [e["pciVendorSelector"] for e in entries]
    names = [e["resourceName"] for e in entries]
    if len(set(selectors)) != len(selectors) or len(set(names)) != len(names):
        print(f"{topo}: a selector or resource name repeats: {selectors} {names}")
        failed += 1
    if set(selectors) != vfio_ids(root):
        print(f"{topo}: selectors {sorted(selectors)}, ids on vfio-pci {sorted(vfio_ids(root))}")
        failed += 1
    js = json.loads(subprocess.run(cmd + ["--json"], capture_output=True, text=True,
                                   check=True).stdout)
    if js["kubevirt"]["pciHostDevices"] != entries:
        print(f"{topo}: --json's pciHostDevices differ from the YAML's")
        failed += 1
    print(f"{topo}: {len(entries)} pciHostDevices entries")
    return failed


def main(vfiokit, mkroot, pci_ids):
    failed = 0
    with tempfile.TemporaryDirectory() as work:
        for topo in TOPOLOGIES:
            failed += check(vfiokit, mkroot, pci_ids, topo, work)
    return 1 if failed else 0


if __name__ == "__main__":
    if len(sys.argv) != 4:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    sys.exit(main(*sys.argv[1:]))
