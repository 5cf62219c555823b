"""Print the reference server's binaries for fixed clock values.

Usage: python3 dump_reference.py CHECKOUT START NOW...

CHECKOUT is an extracted copy of sepalani/MH3SP (branch dev); nothing of it
is stored in this repository. The reference reads the clock in two places
(when its tables are built, and when a time-dependent binary is asked for);
both are pinned here: START while the tables are built, then each NOW in
turn. Output, one record a line:

    start <start>
    blob <id> <hex>                    each distinct content once
    at <now> <type> <version> <id>     what type <type> is at time <now>
"""
import hashlib
import os
import sys

checkout, start, nows = sys.argv[1], int(sys.argv[2]), [int(a) for a in sys.argv[3:]]
sys.path.insert(0, checkout)
os.chdir(checkout)  # optional small-monster files are read from ./event

import mh.time_utils as clock  # noqa: E402

now = [start]
clock.current_server_time = lambda: now[0]

import mh.constants as reference  # noqa: E402

print("start", start)
seen = set()
for t in nows:
    now[0] = t
    for typ in sorted(reference.PAT_BINARIES):
        entry = reference.PAT_BINARIES[typ]
        content = entry["content"]
        if callable(content):
            content = content()
        content = bytes(content)
        key = hashlib.sha256(content).hexdigest()[:16]
        if key not in seen:
            seen.add(key)
            print("blob", key, content.hex())
        print("at", t, "%02x" % typ, entry["version"], key)
