#!/usr/bin/env python3
# Callgrind costs per function, JIT-compiled JavaScript included, per request:
#
#   valgrind --tool=callgrind --callgrind-out-file=/tmp/h.out --instr-atstart=no \
#     node --single-threaded --perf-basic-prof bench/http/instr.mjs . corio-lazy 10000 20000
#   python3 bench/http/callgrind-js.py /tmp/h.out /tmp/perf-<pid>.map 10000 [incl] [top]
#
# callgrind_annotate names JIT code by address (0x...); node's --perf-basic-prof writes the
# address ranges of compiled functions to /tmp/perf-<pid>.map (the pid is in valgrind's
# "==pid==" lines). This maps each address to its function ("JS:*name file:line", * optimized)
# and sums: self cost by default, inclusive with "incl" (inlined functions count in their
# caller). Divide by the requests counted (10000 above).
import bisect
import re
import subprocess
import sys

out, pmap, n = sys.argv[1], sys.argv[2], float(sys.argv[3])
incl = len(sys.argv) > 4 and sys.argv[4] == "incl"
top = int(sys.argv[5]) if len(sys.argv) > 5 else 60
args = ["callgrind_annotate", "--threshold=100"] + (["--inclusive=yes"] if incl else [])
text = subprocess.run(args + [out], capture_output=True, text=True).stdout
ranges = []
for line in open(pmap):
    addr, size, name = line.rstrip("\n").split(" ", 2)
    ranges.append((int(addr, 16), int(addr, 16) + int(size, 16), name))
ranges.sort()
starts = [r[0] for r in ranges]
costs = {}
for line in text.splitlines():
    m = re.match(r"\s*([\d,]+) \(\s*[\d.]+%\)\s+\S+?:(.*)$", line)
    if not m:
        continue
    ir, fn = int(m.group(1).replace(",", "")), m.group(2)
    a = re.match(r"0x[0-9a-f]+", fn)
    if a:
        addr = int(a.group(0), 16)
        i = bisect.bisect_right(starts, addr) - 1
        fn = "JS " + (ranges[i][2] if i >= 0 and addr < ranges[i][1] else "?")
    else:
        fn = re.sub(r"\s*\[.*\]$", "", fn)
    costs[fn] = costs.get(fn, 0) + ir
for fn, ir in sorted(costs.items(), key=lambda x: -x[1])[:top]:
    print(f"{ir / n:10.0f}  {fn[:150]}")
