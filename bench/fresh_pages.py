#!/usr/bin/env python3
"""What a page the process has never touched costs, against one it reuses.

Maps --mib of anonymous memory (transparent huge pages asked for, as
recsys-server's jemalloc does), writes one byte per 4 KiB page, unmaps it,
and does so --rounds times, each round after a pause: --pause_s after the
unmapping (the kernel may hand the freed memory back to a virtual machine's
host meanwhile: free page reporting), and 0 s (the kernel reuses the pages
it just freed). Prints the median GB/s of the first touches of each kind and
their ratio, and how much free memory the kernel reported to the host
(/sys/module/page_reporting/parameters/reported_kib, where the kernel has it).

docs/BENCHMARKS.md ("model swaps under load") has the numbers: this is why
recsys-server keeps freed memory (--retain_freed_memory).

Usage: bench/fresh_pages.py [--mib=512] [--rounds=4] [--pause_s=3]
"""
import argparse
import mmap
import os
import statistics
import sys
import time

REPORTED = "/sys/module/page_reporting/parameters/reported_kib"


def reported_kib():
    try:
        with open(REPORTED) as f:
            return int(f.read())
    except OSError:
        return None


def first_touch_gbps(mib):
    """Maps, touches every 4 KiB page once, unmaps; returns GB/s."""
    size = mib << 20
    memory = mmap.mmap(-1, size, flags=mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS)
    if hasattr(mmap, "MADV_HUGEPAGE"):
        memory.madvise(mmap.MADV_HUGEPAGE)
    pages = size // 4096
    start = time.perf_counter()
    memory[0:size:4096] = b"\1" * pages
    seconds = time.perf_counter() - start
    memory.close()
    return size / seconds / 1e9


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mib", type=int, default=512)
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--pause_s", type=float, default=3)
    args = parser.parse_args()
    if args.mib < 1 or args.rounds < 1 or args.pause_s < 0:
        parser.error("--mib and --rounds must be at least 1, --pause_s at least 0")
    first_touch_gbps(args.mib)  # the process's own first mapping: not counted
    results = {"after a pause": [], "reused at once": []}
    reported = 0
    for _ in range(args.rounds):
        before = reported_kib()
        time.sleep(args.pause_s)
        after = reported_kib()
        if before is not None and after is not None:
            reported += after - before
        results["after a pause"].append(first_touch_gbps(args.mib))
        results["reused at once"].append(first_touch_gbps(args.mib))
    paused = statistics.median(results["after a pause"])
    reused = statistics.median(results["reused at once"])
    print("first touch of %d MiB, median of %d: %.2f GB/s freed %.1f s before, "
          "%.2f GB/s freed just before: %.1fx" % (
              args.mib, args.rounds, paused, args.pause_s, reused, reused / paused))
    if reported_kib() is None:
        print("free page reporting: not in this kernel")
    else:
        print("free page reporting: %d MiB reported to the host during the pauses" % (reported >> 10))
    return 0


if __name__ == "__main__":
    sys.exit(main())
