#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Fail when two .c files under the given directories use each other.

Each object lives in one file and the code that builds or uses it in another, so the
dependency between two files goes one way. A file uses another when it names a non-static
function that the other defines (a call, or a function pointer taken). Dependency cycles
through three or more files are reported as well.

Usage: check-circles.py DIR...
"""
import os
import re
import sys

# Pairs known to use each other, to be removed once they are fixed. Paths are relative
# to the directory given on the command line.
ALLOWED: set = set()

IDENT = re.compile(r"[A-Za-z_]\w*")


def strip(text):
    """Blank out comments, string and character literals and preprocessor lines."""
    out = []
    i, n = 0, len(text)
    line_start = True
    while i < n:
        c = text[i]
        if line_start and c == "#":
            # A directive, with its backslash continuations.
            while i < n and text[i] != "\n":
                if text[i] == "\\" and i + 1 < n:
                    i += 1
                i += 1
            continue
        if c == "/" and text.startswith("/*", i):
            end = text.find("*/", i + 2)
            end = n if end < 0 else end + 2
            out.append("\n" * text.count("\n", i, end) or " ")
            i = end
            continue
        if c == "/" and text.startswith("//", i):
            while i < n and text[i] != "\n":
                i += 1
            continue
        if c in "\"'":
            j = i + 1
            while j < n and text[j] != c:
                j += 2 if text[j] == "\\" else 1
            out.append(c + c)
            i = j + 1
            continue
        if c == "\n":
            line_start = True
        elif not c.isspace():
            line_start = False
        out.append(c)
        i += 1
    return "".join(out)


def definitions(code):
    """Names of the non-static functions defined at file scope."""
    names = set()
    depth = 0
    head = []
    for c in code:
        if depth == 0:
            if c == ";":
                head = []
            elif c == "{":
                text = "".join(head)
                head = []
                depth = 1
                name = function_name(text)
                if name and not re.search(r"\bstatic\b", text):
                    names.add(name)
            else:
                head.append(c)
        elif c == "{":
            depth += 1
        elif c == "}":
            depth -= 1
    return names


def function_name(text):
    """The function a definition's head names: the identifier before the parameter list."""
    text = text.strip()
    if "=" in text or not text.endswith(")"):
        return None
    depth = 0
    for i in range(len(text) - 1, -1, -1):
        if text[i] == ")":
            depth += 1
        elif text[i] == "(":
            depth -= 1
            if depth == 0:
                m = re.search(r"([A-Za-z_]\w*)\s*$", text[:i])
                return m.group(1) if m else None
    return None


def main(dirs):
    files = {}
    for d in dirs:
        for root, subdirs, names in os.walk(d):
            subdirs.sort()
            for name in sorted(names):
                if name.endswith(".c"):
                    path = os.path.join(root, name)
                    with open(path, encoding="utf-8") as f:
                        files[os.path.relpath(path, d)] = strip(f.read())

    owner = {}
    for path, code in files.items():
        for name in definitions(code):
            owner.setdefault(name, set()).add(path)

    uses = {}
    for path, code in files.items():
        deps = {}
        for name in set(IDENT.findall(code)):
            for other in owner.get(name, ()):
                if other != path:
                    deps.setdefault(other, set()).add(name)
        uses[path] = deps

    bad = 0
    for a in sorted(files):
        for b in sorted(uses[a]):
            if a < b and a in uses[b]:
                allowed = frozenset({a, b}) in ALLOWED
                print("%s: %s <-> %s" % ("allowed" if allowed else "circle", a, b))
                print("  %s uses %s" % (a, ", ".join(sorted(uses[a][b]))))
                print("  %s uses %s" % (b, ", ".join(sorted(uses[b][a]))))
                bad += not allowed

    # Longer cycles: strongly connected components once the pairs are set aside.
    graph = {a: {b for b in uses[a] if a not in uses[b]} for a in files}
    for comp in components(graph):
        if len(comp) > 1:
            print("circle: " + " -> ".join(sorted(comp)))
            bad += 1

    for pair in sorted(ALLOWED, key=sorted):
        a, b = sorted(pair)
        if a in files and b in files and not (b in uses[a] and a in uses[b]):
            print("note: %s <-> %s no longer needs its allow-list entry" % (a, b))
    return 1 if bad else 0


def components(graph):
    """Tarjan's strongly connected components."""
    index, low, stack, on, out = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            out.append(comp)

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    sys.exit(main(sys.argv[1:]))
