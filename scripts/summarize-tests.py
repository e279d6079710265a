#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Sums meson's testlog.json files into one closing line: 'N passed, N failed, N skipped'.

Each failed test is named above that line with the last lines it printed, so a log that
keeps only its tail still says what went wrong; the whole output is in meson-logs/."""
import json
import sys

TAIL = 25

passed = failed = skipped = 0
failures = []
for path in sys.argv[1:]:
    try:
        lines = open(path).read().splitlines()
    except OSError:
        failures.append((path, ["missing: that run did not happen"]))
        failed += 1
        continue
    for line in lines:
        if not line.strip():
            continue
        test = json.loads(line)
        result = test.get("result")
        if result in ("OK", "EXPECTEDFAIL"):
            passed += 1
        elif result == "SKIP":
            skipped += 1
        else:
            failed += 1
            out = (test.get("stdout") or "").rstrip("\n").splitlines()
            out += (test.get("stderr") or "").rstrip("\n").splitlines()
            name = test.get("name", "?")
            failures.append((f"{name} ({result}, exit {test.get('returncode')})", out[-TAIL:]))

for name, tail in failures:
    print(f"--- failed: {name}; its last {len(tail)} lines:")
    for line in tail:
        print(f"    {line}")
print(f"{passed} passed, {failed} failed, {skipped} skipped")
sys.exit(1 if failed or passed == 0 else 0)
