#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Runs inside the vm lane's guest: the edu device is moved to vfio-pci with `vfiokit bind`
and opened with `vfiokit info --json`, which must agree with what the kernel shows in
/sys, read here independently of the library: each BAR's size from `resource`, one MSI
vector and one INTx line (edu has both), a function reset exactly when `reset_method`
names one, and the backend the kernel offers.
    check-info.py VFIOKIT BACKEND"""
import json
import os
import subprocess
import sys

SYS = "/sys/bus/pci/devices"
EDU = ("0x1234", "0x11e8")


def attr(bdf, name):
    with open(os.path.join(SYS, bdf, name)) as f:
        return f.read().strip()


def find_edu():
    for bdf in sorted(os.listdir(SYS)):
        if (attr(bdf, "vendor"), attr(bdf, "device")) == EDU:
            return bdf
    sys.exit("no edu device in this guest")


def bar_sizes(bdf):
    """end - start + 1 of the first six lines of `resource`; 0 for an absent BAR."""
    sizes = []
    with open(os.path.join(SYS, bdf, "resource")) as f:
        for line in f.readlines()[:6]:
            start, end, _ = (int(x, 16) for x in line.split())
            sizes.append(end - start + 1 if end else 0)
    return sizes


def schema_errors(doc):
    """The document against docs/schema/info.json, as the cli lane checks its goldens."""
    import warnings
    import jsonschema
    warnings.simplefilter("ignore", DeprecationWarning)
    here = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "docs", "schema")
    store = {f: json.load(open(os.path.join(here, f))) for f in os.listdir(here)}
    schema = store["info.json"]
    cls = jsonschema.validators.validator_for(schema)
    v = cls(schema, resolver=jsonschema.RefResolver(base_uri="", referrer=schema, store=store))
    return [f"schema: {'/'.join(map(str, e.absolute_path))}: {e.message}" for e in v.iter_errors(doc)]


def main():
    tool, backend = sys.argv[1], sys.argv[2]
    bdf = find_edu()
    errors = []
    bind = subprocess.run([tool, "bind", bdf], capture_output=True, text=True)
    if bind.returncode != 0:
        sys.exit(f"vfiokit bind {bdf} failed ({bind.returncode}): {bind.stderr}")
    text = subprocess.run([tool, "info", bdf], capture_output=True, text=True)
    print(text.stdout, end="")
    if text.returncode != 0:
        errors.append(f"vfiokit info exited {text.returncode}: {text.stderr.strip()}")
    out = subprocess.run([tool, "info", "--json", bdf], capture_output=True, text=True)
    if out.returncode != 0:
        sys.exit(f"vfiokit info --json failed ({out.returncode}): {out.stderr}")
    got = json.loads(out.stdout)
    errors += schema_errors(got)

    if got["backend"] != backend:
        errors.append(f"backend {got['backend']!r} ({got['backend_reason']}), want {backend!r}")
    regions = {r["index"]: r for r in got["regions"]}
    for i, size in enumerate(bar_sizes(bdf)):
        r = regions.get(i)
        if r is None or r["name"] != f"BAR{i}" or r["size"] != size:
            errors.append(f"BAR{i}: sysfs says {size} bytes, vfiokit {r}")
        elif size and "mmap" in r["flags"] and sum(a["size"] for a in r["mmap_areas"]) == 0:
            errors.append(f"BAR{i}: mmap flag without an mmap area")
    if regions.get(7, {}).get("name") != "config" or regions[7]["size"] < 256:
        errors.append(f"config region: {regions.get(7)}")
    irqs = {q["type"]: q for q in got["irqs"]}
    for kind in ("msi", "intx"):
        if irqs.get(kind, {}).get("count") != 1:
            errors.append(f"{kind}: want count 1, got {irqs.get(kind)}")
    if "automasked" not in irqs.get("intx", {}).get("flags", []):
        errors.append(f"intx is not automasked: {irqs.get('intx')}")
    try:
        methods = attr(bdf, "reset_method")
    except OSError:
        methods = ""
    if got["reset"]["function"] != bool(methods):
        errors.append(f"reset.function {got['reset']['function']}, reset_method {methods!r}")
    if not got["iova_ranges"] or any(r["start"] > r["last"] for r in got["iova_ranges"]):
        errors.append(f"iova_ranges: {got['iova_ranges']}")
    if 4096 not in got["page_sizes"]:
        errors.append(f"page_sizes without 4 KiB: {got['page_sizes']}")

    print(f"{bdf}: backend {got['backend']}, {len(got['regions'])} regions, "
          f"irqs {[(q['type'], q['count']) for q in got['irqs']]}: "
          f"{'match' if not errors else 'MISMATCH'}")
    for e in errors:
        print("  " + e)
    sys.exit(1 if errors else 0)


main()
