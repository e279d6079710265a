#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Writes docs/json.md from the JSON Schemas in docs/schema/: scripts/json-doc.py > docs/json.md"""
import json
import os

here = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "docs", "schema")
schemas = {f[:-5]: json.load(open(os.path.join(here, f))) for f in os.listdir(here) if f.endswith(".json")}
common = schemas.pop("common")
defs = common["$defs"]
ORDER = ["doctor", "groups", "list", "plan", "bind", "restore", "release", "sriov", "qemu",
         "hook", "persist", "snapshot", "info", "export", "version", "none"]


def typ(node):
    if "$ref" in node:
        return node["$ref"].split("/")[-1]
    if "const" in node:
        return json.dumps(node["const"])
    if "oneOf" in node:
        return " or ".join(typ(n) for n in node["oneOf"])
    t = node.get("type", "")
    t = " or ".join(t) if isinstance(t, list) else t
    if "enum" in node:
        t += " (" + ", ".join(json.dumps(v) for v in node["enum"]) + ")"
    if "items" in node:
        t += " of " + typ(node["items"])
    return t


def rows(node, prefix, out):
    req = set(node.get("required", []))
    for k, v in node.get("properties", {}).items():
        if k in ("format", "warnings", "error") and prefix == "":
            continue
        desc = v.get("description", "")
        if "$ref" in v and not desc:
            desc = defs[v["$ref"].split("/")[-1]].get("description", "")
        opt = "" if k in req or prefix == "" else " (optional)"
        out.append(f"| `{prefix}{k}` | {typ(v)} | {desc}{opt} |")
        sub = v.get("items", v)
        for o in [sub] + [n for n in v.get("oneOf", []) if n.get("type") == "object"]:
            if o.get("type") == "object" or (isinstance(o.get("type"), list) and "object" in o["type"]):
                rows(o, f"{prefix}{k}{'[]' if 'items' in v else ''}.", out)


print("""# JSON output

Every command takes `--json` (`-J`), before or after the command, and then prints exactly
one JSON document on stdout, whatever happens: success, a "no" answer, a failure or a usage
error. Messages for people still go to stderr. `vfiokit COMMAND --help` prints text and no
document.

This page is written from the JSON Schemas in [`docs/schema/`](schema/) by
`scripts/json-doc.py`; the cli test lane checks every JSON output it has against them.

## What is stable

- `format` is in every document and is `1`. It changes only when a key is removed or
  changes meaning. Keys may be added in any release: ignore the ones you do not know.
- The keys below, their types and meanings, and the exit statuses: 0 done (or the answer is
  yes), 1 the answer is no or something failed, 2 usage error.
- Not stable: the wording of messages, summaries and fixes (they are for people).

## Every document

| key | type | meaning |
|---|---|---|""")
for k in ("format", "warnings", "error"):
    d = defs[k]
    print(f"| `{k}` | {typ(d)} | {d['description']} |")
out = []
rows(defs["error"], "error.", out)
print("\n".join(out))
print("""
A failure keeps what the command printed before it and adds `error`; `fix` and `file`
are taken from the message when it names them. For example:

```json
{
  "format": 1,
  "error": {
    "message": "99:00.0: no such PCI device in /sys/bus/pci/devices",
    "device": "99:00.0",
    "file": "/sys/bus/pci/devices",
    "fix": null,
    "exit_status": 1,
    "messages": ["99:00.0: no such PCI device in /sys/bus/pci/devices"]
  }
}
```

## Shared objects

### device

What `list` and `groups` say of each PCI function.

| key | type | meaning |
|---|---|---|""")
out = []
rows(defs["device"], "", out)
print("\n".join(out))
print("""
### check

One readiness check, in `doctor` and `persist --verify`.

| key | type | meaning |
|---|---|---|""")
out = []
rows(defs["check"], "", out)
print("\n".join(out))
for name in ORDER:
    s = schemas[name]
    print(f"\n## {s['title']}\n")
    out = []
    rows(s, "", out)
    if not out:
        print("Only `format`, and `error` when it failed.")
        continue
    print("| key | type | meaning |\n|---|---|---|")
    print("\n".join(out))
