#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Fails when a top-level C function body is longer than a limit.

    check-function-length.py [--limit N] FILE|DIR...

A directory stands for the .c files in it.

A function is counted from the line of its opening brace to the line of its closing
brace, both included; braces inside strings, character constants and comments are
skipped. Only brace blocks opened at file level after a ')' are functions, so struct,
enum and initializer blocks are not counted.
"""
import argparse
import glob
import os
import re
import sys


def strip(text):
    """Blanks out comments, strings and character constants, keeping line breaks."""
    pattern = re.compile(r'//[^\n]*|/\*.*?\*/|"(?:\\.|[^"\\\n])*"|\'(?:\\.|[^\'\\\n])*\'',
                         re.S)
    return pattern.sub(lambda m: re.sub(r'[^\n]', ' ', m.group(0)), text)


def functions(text):
    """Yields (name, first line, line count) for each top-level function body."""
    code = strip(text)
    depth = 0
    start = None
    name = None
    for i, ch in enumerate(code):
        if ch == '{':
            if depth == 0:
                head = code[:i].rstrip()
                m = re.search(r'(\w+)\s*\([^;{}]*\)\s*(?:__attribute__\s*\(\(.*?\)\)\s*)*$',
                              head, re.S)
                if head.endswith(')') and m:
                    start, name = i, m.group(1)
                else:
                    start, name = None, None
            depth += 1
        elif ch == '}':
            depth -= 1
            if depth == 0 and start is not None:
                first = code.count('\n', 0, start) + 1
                last = code.count('\n', 0, i) + 1
                yield name, first, last - first + 1
                start = None


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--limit', type=int, default=100)
    ap.add_argument('files', nargs='+')
    args = ap.parse_args()
    failed = False
    paths = []
    for arg in args.files:
        paths += sorted(glob.glob(os.path.join(arg, '*.c'))) if os.path.isdir(arg) else [arg]
    for path in paths:
        with open(path, encoding='utf-8') as f:
            text = f.read()
        for name, line, count in functions(text):
            if count > args.limit:
                print(f'{path}:{line}: {name}() is {count} lines long (limit {args.limit})')
                failed = True
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
