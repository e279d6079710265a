#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Checks every JSON golden output of tests/cli/cases.txt against its command's JSON Schema
in docs/schema/, and that each schema's keys are documented in docs/json.md.

    check-json-schema.py CASES EXPECTED_DIR SCHEMA_DIR JSON_MD [VFIOKIT MKROOT]

With VFIOKIT and MKROOT, also the documents that have no golden output because they name
a fresh directory (snapshot)."""
import json
import os
import re
import subprocess
import sys
import tempfile
import warnings

try:
    import jsonschema
except ImportError:
    print("python3-jsonschema is not installed (apt-get install python3-jsonschema)")
    sys.exit(77)

warnings.simplefilter("ignore", DeprecationWarning)

cases, expected, schema_dir, json_md = sys.argv[1:5]
extra = sys.argv[5:]
schemas = {}
for f in os.listdir(schema_dir):
    if f.endswith(".json"):
        with open(os.path.join(schema_dir, f)) as fh:
            schemas[f] = json.load(fh)


def validator(command):
    name = (command if command + ".json" in schemas else "none") + ".json"
    schema = schemas[name]
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    resolver = jsonschema.RefResolver(base_uri="", referrer=schema, store=schemas)
    return cls(schema, resolver=resolver)


def command_of(args):
    for a in args:
        if not a.startswith("-"):
            return a
    return "none"


failed = checked = 0
docs = []
with open(cases) as fh:
    for line in fh:
        words = line.split()
        if len(words) < 2 or line.startswith("#"):
            continue
        args = words[2:]
        if "--json" not in args and "-J" not in args:
            continue
        # Help and completion scripts are text for people and shells, --json or not.
        if "--help" in args or "-h" in args or command_of(args) == "completion":
            continue
        with open(os.path.join(expected, words[0] + ".out")) as out:
            docs.append((words[0], command_of(args), out.read().split("--- stderr\n")[0]))
if extra:
    vfiokit, mkroot = extra
    with tempfile.TemporaryDirectory() as tmp:
        root = os.path.join(tmp, "root")
        subprocess.run([mkroot, "amd-desktop", root], check=True)
        for args in (["snapshot", os.path.join(tmp, "snap")], ["snapshot"]):
            out = subprocess.run([vfiokit, "--root", root, "--json"] + args,
                                 capture_output=True, text=True)
            docs.append((" ".join(args[:1] + ["(live)"]), "snapshot", out.stdout))

for name, command, text in docs:
    checked += 1
    try:
        doc = json.loads(text)
    except ValueError as e:
        print(f"{name}: stdout is not one JSON document: {e}")
        failed += 1
        continue
    errors = list(validator(command).iter_errors(doc))
    for e in errors:
        where = "/".join(str(p) for p in e.absolute_path) or "(top)"
        print(f"{name} ({command}): {where}: {e.message}")
    failed += bool(errors)

# Every key a schema defines is named in docs/json.md.
with open(json_md) as fh:
    md = fh.read()


def keys(node):
    if isinstance(node, dict):
        for k, v in node.get("properties", {}).items():
            yield k
            yield from keys(v)
        for sub in ("items", "$defs"):
            if isinstance(node.get(sub), dict):
                if sub == "$defs":
                    for v in node[sub].values():
                        yield from keys(v)
                else:
                    yield from keys(node[sub])
        for v in node.get("oneOf", []):
            yield from keys(v)


for f, s in sorted(schemas.items()):
    for k in sorted(set(keys(s))):
        if not re.search(r"[`.]" + re.escape(k) + "`", md):
            print(f"docs/json.md does not document key `{k}` of {f}")
            failed += 1
print(f"{checked} documents checked against docs/schema/, {failed} failed")
sys.exit(1 if failed else 0)
