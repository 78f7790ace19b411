#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""squeeze.py LEAVE_MIB: lock memory until killed, leaving about
LEAVE_MIB of MemAvailable, so that the page cache has only that much room.

The cold HTTP point needs a working set larger than the page cache; the
bench guest has 4 GiB and making a set that large would take minutes of
disk writes under emulation, so the memory is taken instead.  Locked
anonymous memory cannot be reclaimed or swapped, so the kernel has to
keep the page cache within what is left.  Prints the MiB it locked and
MemAvailable after, on one line, once the lock is in place.
"""
import ctypes
import mmap
import signal
import sys

MIB = 1 << 20


def mem_available():
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024
    sys.exit("squeeze: no MemAvailable in /proc/meminfo")


def main(leave_mib):
    size = mem_available() - leave_mib * MIB
    size -= size % mmap.PAGESIZE
    m = None
    if size > 0:
        m = mmap.mmap(-1, size, flags=mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS)
        buf = (ctypes.c_char * size).from_buffer(m)
        libc = ctypes.CDLL(None, use_errno=True)
        # mlock() faults every page in and keeps it in.
        if libc.mlock(ctypes.c_void_p(ctypes.addressof(buf)), ctypes.c_size_t(size)):
            sys.exit(f"squeeze: mlock: errno {ctypes.get_errno()}")
    print(f"locked_mib={max(size, 0) // MIB} available_mib={mem_available() // MIB}",
          flush=True)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    while True:
        signal.pause()


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: squeeze.py LEAVE_MIB")
    main(int(sys.argv[1]))
