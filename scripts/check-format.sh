#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# clang-format over the tracked C sources; --fix rewrites them.
set -euo pipefail
cd "$(git rev-parse --show-toplevel)"
mapfile -t files < <(git ls-files '*.c' '*.h')
if [ "${1:-}" = --fix ]; then
	clang-format -i "${files[@]}"
else
	clang-format --dry-run -Werror "${files[@]}"
fi
