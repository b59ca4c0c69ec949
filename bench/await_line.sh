# shellcheck shell=bash
# Sourced by the benchmark scripts (not run on its own).
#
# await_line FILE OFFSET PATTERN TIMEOUT_S: waits until FILE has, after its
# first OFFSET bytes, a line matching the Python regular expression PATTERN,
# and prints that line; status 1 after TIMEOUT_S seconds without one. One
# process in the idle scheduling class that reads the new bytes every 20 ms:
# waiting for a server's log line under a measured load must not take CPU
# from it. (A `grep` and a `sleep` every 50 ms at normal priority were about
# 40 process starts a second, each holding a CPU for up to 4 ms: `perf sched`
# showed them in front of the server's request threads during swaps.)
# await_reserve LOG TIMEOUT_S: a recsys-server that keeps freed memory (its
# event=allocator line says dirty_decay_ms:-1) loads its version once more
# in the background after start to reserve a second version's memory
# (event=swap_memory_reserved). Waits for that line and prints it; prints
# nothing for a server that reserves nothing. Status 1 after TIMEOUT_S.
await_reserve() {
  grep -q "event=allocator .*dirty_decay_ms:-1" "$1" || return 0
  await_line "$1" 0 "event=swap_memory_reserved" "$2"
}

await_line() {
  chrt --idle 0 python3 -c '
import re, sys, time
path, offset, pattern, timeout = sys.argv[1:]
pattern = re.compile(pattern)
deadline = time.monotonic() + float(timeout)
with open(path, "rb") as f:
    f.seek(int(offset))
    pending = b""
    while True:
        pending += f.read()
        *lines, pending = pending.split(b"\n")
        for line in lines:
            text = line.decode(errors="replace")
            if pattern.search(text):
                print(text)
                sys.exit(0)
        if time.monotonic() > deadline:
            sys.exit(1)
        time.sleep(0.02)
' "$@"
}

# file_size FILE: its size in bytes (0 when missing): the OFFSET to pass to
# await_line before starting what writes the line.
file_size() { stat -c %s "$1" 2>/dev/null || echo 0; }
