#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""The cli lane's nova check: the [pci] section `vfiokit export nova` prints is read by
nova's own code (Debian package python3-nova): oslo.config loads it as nova.conf, each
device_spec becomes a nova.pci.devspec.PciDeviceSpec that matches its device and no other
device of the machine, nova.pci.whitelist.Whitelist takes them all, and
nova.pci.request._get_alias_from_config() takes the aliases, each naming a device_spec's
ids with the device type nova finds in sysfs.

    check-nova-spec.py VFIOKIT MKROOT PCI_IDS
"""
import json
import os
import subprocess
import sys
import tempfile

TOPOLOGIES = ["vfio-workstation", "server-switches"]
SYSTEM_PYTHON = "/usr/bin/python3"


def import_nova():
    """nova's modules, or exits 77; another python3 first in PATH (pyenv, a venv) does not
    see Debian's packages, so the script runs again under the system's."""
    try:
        import nova.conf  # noqa: F401
        import nova.pci.devspec  # noqa: F401
        import nova.pci.request  # noqa: F401
        import nova.pci.utils  # noqa: F401
        import nova.pci.whitelist  # noqa: F401
    except ImportError:
        if os.path.exists(SYSTEM_PYTHON) and os.path.realpath(sys.executable) != \
                os.path.realpath(SYSTEM_PYTHON) and not os.environ.get("CHECK_NOVA_REEXEC"):
            os.environ["CHECK_NOVA_REEXEC"] = "1"
            os.execv(SYSTEM_PYTHON, [SYSTEM_PYTHON] + sys.argv)
        print("python3-nova is not installed (apt-get install python3-nova); skipping")
        sys.exit(77)
    return sys.modules["nova"]


def read(path):
    with open(path) as f:
        return f.read().strip()


def sysfs_devices(root):
    """Every PCI device of the machine as nova's dev_dict, with what it is in sysfs."""
    base = os.path.join(root, "sys/bus/pci/devices")
    devs = {}
    for addr in sorted(os.listdir(base)):
        d = os.path.join(base, addr)
        physfn = os.path.join(d, "physfn")
        driver = os.path.join(d, "driver")
        numvfs = os.path.join(d, "sriov_numvfs")
        if os.path.islink(physfn):
            dev_type = "type-VF"
        elif os.path.exists(numvfs) and int(read(numvfs) or 0) > 0:
            dev_type = "type-PF"
        else:
            dev_type = "type-PCI"
        devs[addr] = {
            "vendor_id": read(os.path.join(d, "vendor"))[2:],
            "product_id": read(os.path.join(d, "device"))[2:],
            "address": addr,
            "parent_addr": os.path.basename(os.readlink(physfn))
            if os.path.islink(physfn) else None,
            "dev_type": dev_type,
            "driver": os.path.basename(os.readlink(driver)) if os.path.islink(driver) else None,
        }
    return devs


def check(nova, vfiokit, mkroot, pci_ids, topo, work):
    """Returns the number of failures on @topo."""
    root = os.path.join(work, topo)
    subprocess.run([mkroot, topo, root], check=True)
    out = subprocess.run([vfiokit, "--root", root, "--pci-ids", pci_ids, "export", "nova"],
                         capture_output=True, text=True)
    if out.returncode != 0:
        print(f"{topo}: export nova exited {out.returncode}: {out.stderr}")
        return 1
    conf_file = os.path.join(work, topo + ".conf")
    with open(conf_file, "w") as f:
        f.write(out.stdout)

    # nova asks sysfs whether an address is a PF; this machine is the test root.
    def is_physical_function(domain, bus, slot, function):
        d = os.path.join(root, f"sys/bus/pci/devices/{domain}:{bus}:{slot}.{function}")
        try:
            return int(read(os.path.join(d, "sriov_totalvfs"))) > 0
        except (OSError, ValueError):
            return False
    nova.pci.utils.is_physical_function = is_physical_function

    CONF = nova.conf.CONF
    CONF.reset()
    CONF(["--config-file", conf_file], project="nova", default_config_files=[])
    devs = sysfs_devices(root)
    failed = 0

    specs = list(CONF.pci.device_spec)
    wanted = {a for a, d in devs.items()
              if d["driver"] == "vfio-pci" and int(a.split(":")[0], 16) <= 0xffff}
    seen = set()
    for value in specs:
        spec = nova.pci.devspec.PciDeviceSpec(json.loads(value))
        # nova raises on a PCI domain above ffff even when matching; such devices are
        # left out of device_spec (vfiokit warns), and nova cannot see them anyway.
        matched = [a for a, d in devs.items()
                   if int(a.split(":")[0], 16) <= 0xffff and spec.match(d)]
        addr = json.loads(value)["address"]
        seen.add(addr)
        if matched != [addr]:
            print(f"{topo}: device_spec {value} matches {matched}, not [{addr}]")
            failed += 1
    if seen != wanted:
        print(f"{topo}: device_spec names {sorted(seen)}, the devices on vfio-pci are "
              f"{sorted(wanted)}")
        failed += 1
    whitelist = nova.pci.whitelist.Whitelist(specs)
    for addr in wanted:
        if not whitelist.device_assignable(devs[addr]):
            print(f"{topo}: nova's Whitelist does not take {addr}")
            failed += 1

    aliases = nova.pci.request._get_alias_from_config()
    if len(aliases) != len({(devs[a]["vendor_id"], devs[a]["product_id"]) for a in wanted}):
        print(f"{topo}: {len(aliases)} aliases for the ids of {sorted(wanted)}")
        failed += 1
    for name, (_policy, alias_specs) in aliases.items():
        for a in alias_specs:
            users = [d for x, d in devs.items() if x in wanted and
                     d["vendor_id"] == a["vendor_id"] and d["product_id"] == a["product_id"]]
            if not users or any(d["dev_type"] != a["dev_type"] for d in users):
                print(f"{topo}: alias {name} {a} fits none of the devices or not their "
                      f"type: {users}")
                failed += 1
    print(f"{topo}: {len(specs)} device_spec and {len(aliases)} alias values read by nova")
    return failed


def main(vfiokit, mkroot, pci_ids):
    nova = import_nova()
    failed = 0
    with tempfile.TemporaryDirectory() as work:
        for topo in TOPOLOGIES:
            failed += check(nova, vfiokit, mkroot, pci_ids, topo, work)
    return 1 if failed else 0


if __name__ == "__main__":
    if len(sys.argv) != 4:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    sys.exit(main(*sys.argv[1:]))
