#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Writes the option ROM images of the cli lane's golden tests into DIR:
gtx1080.rom (a good image for 10de:1b80), other-card.rom (a good image for another
device), nvflash-dump.rom (the good image behind a 0x600-byte flash-tool header) and
not-a-rom.bin (no signature),
and the good image under a name holding a comma."""
import struct
import sys


def image(vendor, device, size=2048):
    b = bytearray(size)
    b[0:2] = b"\x55\xaa"
    b[2] = size // 512
    pcir = 0x1A0
    struct.pack_into("<H", b, 0x18, pcir)
    b[pcir:pcir + 4] = b"PCIR"
    struct.pack_into("<HH", b, pcir + 4, vendor, device)
    return bytes(b)


def main(out):
    good = image(0x10DE, 0x1B80)
    files = {
        "gtx1080.rom": good,
        "other-card.rom": image(0x10DE, 0x1B81),
        "nvflash-dump.rom": b"NVGI" + bytes(0x600 - 4) + good,
        "not-a-rom.bin": bytes(1024),
        # A name that would add an option to QEMU if commas were not escaped.
        "evil,x-vga=on.rom": good,
    }
    for name, data in files.items():
        with open(f"{out}/{name}", "wb") as f:
            f.write(data)


if __name__ == "__main__":
    main(sys.argv[1])
