#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Every public function declared in the headers has a kernel-doc comment right above it
that says since which version it exists ("Since: 0.1").

    check-since.py INCLUDE_DIR [--skip HEADER]...

A declaration is a line at column 0 with a "(" that is not a typedef, a preprocessor
line or a static inline definition (those are not exported): the headers indent
everything else. Exits 1 naming each function without a tag.
"""
import os
import re
import sys

NOT_A_FUNCTION = re.compile(r"^(#|typedef\b|extern\b|static\b|\}|/\*|\*)")
SINCE = re.compile(r"^\s*\*\s*Since:\s*\d+\.\d+\s*$", re.MULTILINE)


def functions(text):
    """(name, line number, kernel-doc text or None) of each function declared in text."""
    lines = text.split("\n")
    in_comment = False
    for i, line in enumerate(lines):
        if in_comment:
            in_comment = "*/" not in line
            continue
        if line.startswith("/*") and "*/" not in line:
            in_comment = True
            continue
        if not line or line[0].isspace() or NOT_A_FUNCTION.match(line) or "(" not in line:
            continue
        m = re.search(r"\b([A-Za-z_]\w*)\s*\(", line)
        yield m.group(1), i + 1, doc_above(lines, i)


def doc_above(lines, i):
    """The /** ... */ comment that ends on the line right above line i, if any."""
    j = i - 1
    if j < 0 or not lines[j].rstrip().endswith("*/"):
        return None
    end = j
    while j >= 0 and not lines[j].lstrip().startswith("/*"):
        j -= 1
    if j < 0 or not lines[j].lstrip().startswith("/**"):
        return None
    return "\n".join(lines[j:end + 1])


def main(argv):
    if not argv:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    include, skip = argv[0], set()
    rest = argv[1:]
    while rest:
        if rest[0] != "--skip" or len(rest) < 2:
            print(f"check-since: unknown argument {rest[0]}", file=sys.stderr)
            return 2
        skip.add(rest[1])
        rest = rest[2:]
    bad = checked = 0
    headers = sorted(h for h in os.listdir(include) if h.endswith(".h"))
    for h in headers:
        if h in skip:
            print(f"{h}: skipped")
            continue
        with open(os.path.join(include, h), encoding="utf-8") as f:
            text = f.read()
        for name, line, doc in functions(text):
            checked += 1
            if doc is None:
                print(f"{h}:{line}: {name}() has no kernel-doc comment right above it")
                bad += 1
            elif not SINCE.search(doc):
                print(f"{h}:{line}: {name}() has no \"Since: X.Y\" in its kernel-doc")
                bad += 1
    print(f"{checked} functions in {len(headers) - len(skip & set(headers))} headers, "
          f"{bad} without Since:")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
