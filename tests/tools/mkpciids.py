#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Cuts tests/data/pci.ids out of the system's pci.ids: the vendors and devices the cli
lane's machines and the vm lane's captured trees use, and every device class. Goldens
then do not change when the system's pci.ids is updated.

usage: tests/tools/mkpciids.py [/usr/share/misc/pci.ids] > tests/data/pci.ids"""
import sys

WANTED = {
    "1022": {"1480", "1481", "1483", "57ad", "57a3", "57a4", "149c", "7901"},
    "10de": {"1b80", "10f0", "2484", "228b", "1db4"},
    "8086": {"3e30", "1901", "3e98", "3e92", "a36d", "a352", "15bc", "1539", "2020", "a190",
             "2030", "9a14", "9a49", "9a0b", "9a09", "a0f0", "a305", "a348", "a323", "29c0",
             "2918", "2922", "2930", "10d3", "1520", "10c9", "2934", "293e", "3e30", "1533",
             "1572", "154c"},
    "144d": {"a808", "a824", "a80a"},
    "10b5": {"8747"},
    "1a03": {"2000"},
    "15b3": {"1017", "1018", "101a"},
    "1002": {"73bf", "ab28"},
    "1b21": {"2142", "0612"},
    "1043": set(),
    "1234": {"1111", "11e8"},
    "1b36": {"0001", "000c", "000d", "000e", "0010", "0100"},
    "1af4": {"1000", "1009", "1041", "1049"},
    "104c": {"8232", "8233"},
}


def main():
    src = sys.argv[1] if len(sys.argv) > 1 else "/usr/share/misc/pci.ids"
    out = ["# Subset of the PCI ID database (https://pci-ids.ucw.cz/), which is",
           "# distributed under the GNU GPL v2+ or the 3-clause BSD licence.",
           "# Made by tests/tools/mkpciids.py for the test suites."]
    vendor = None
    in_classes = False
    with open(src, encoding="utf-8", errors="replace") as f:
        for line in f:
            line = line.rstrip("\n")
            if line.startswith("C "):
                in_classes = True
            if in_classes:
                if not line.startswith("#"):
                    out.append(line)
                continue
            if not line or line.startswith("#"):
                continue
            if not line.startswith("\t"):
                vendor = line[:4]
                if vendor in WANTED:
                    out.append(line)
            elif vendor in WANTED and not line.startswith("\t\t"):
                if line[1:5] in WANTED[vendor]:
                    out.append(line)
    print("\n".join(out))


if __name__ == "__main__":
    main()
