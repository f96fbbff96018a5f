#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Turn bench-vm.sh's raw samples (SETUP<TAB>MEASURE<TAB>VALUE lines) into
the JSON file with every figure and the Markdown table.

  report.py RESULTS.tsv OUT.json OUT.md --kernel REL --reps N --time S
            --us-n N --rate-conc N
"""
import argparse
import datetime
import json
import statistics

SETUPS = [("direct", "direct"), ("dmptcp", "direct MPTCP"),
          ("mpconv", "mpconv"), ("userspace", "user-space")]
PATH_SUM = 40.0     # Mbit/s: two paths shaped to 20 Mbit/s


def stats(v):
    if not v:
        return None
    return {"median": statistics.median(v), "min": min(v), "max": max(v),
            "n": len(v), "samples": v}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("results")
    ap.add_argument("json")
    ap.add_argument("md")
    ap.add_argument("--kernel", required=True)
    ap.add_argument("--reps", type=int, required=True)
    ap.add_argument("--time", type=int, required=True)
    ap.add_argument("--us-n", type=int, required=True)
    ap.add_argument("--rate-conc", type=int, required=True)
    a = ap.parse_args()

    raw = {}
    with open(a.results) as f:
        for line in f:
            s, m, v = line.rstrip("\n").split("\t")
            raw.setdefault(s, {}).setdefault(m, []).append(float(v))
    fig = {s: {m: stats(v) for m, v in ms.items()} for s, ms in raw.items()}

    def med(s, m):
        x = fig.get(s, {}).get(m)
        return x["median"] if x else None

    def ratio(x, y):
        return round(x / y, 3) if x is not None and y else None

    ns = sorted({int(m.split("_")[-1]) for ms in raw.values() for m in ms
                 if m.startswith("mem_kernel_")})

    measures = [  # key, label, unit, higher is better
        ("bulk_up", "bulk upload, 1 unshaped path", "Mbit/s", True),
        ("bulk_down", "bulk download (-R), 1 unshaped path", "Mbit/s", True),
        ("agg_up", "aggregation upload, 2 paths x 20 Mbit/s, 20 ms RTT", "Mbit/s", True),
        ("ttfb", "time to first byte, 10 ms per hop each way", "ms", False),
        ("rate_seq", "connections/s, sequential", "conn/s", True),
        ("rate_conc", "connections/s, %d concurrent clients" % a.rate_conc, "conn/s", True),
    ]
    for n in ns:
        measures += [
            ("mem_slab_%d" % n, "slab memory per idle session, N=%d" % n, "bytes", False),
            ("mem_kernel_%d" % n, "kernel memory (slab, per-CPU, stacks, page tables) per idle "
             "session, N=%d" % n, "bytes", False),
            ("mem_used_%d" % n, "all memory per idle session (kernel + processes), N=%d" % n,
             "bytes", False),
        ]
    measures += [
        ("cpu_up", "CPU time per GB relayed, upload", "CPU s/GB", False),
        ("cpu_down", "CPU time per GB relayed, download", "CPU s/GB", False),
    ]

    ratios = {}
    for key, _, _, _ in measures:
        ratios[key] = {
            "mpconv/direct_mptcp": ratio(med("mpconv", key), med("dmptcp", key)),
            "mpconv/userspace": ratio(med("mpconv", key), med("userspace", key)),
            "mpconv/direct": ratio(med("mpconv", key), med("direct", key)),
        }
    ratios["agg_up"]["aggregate/sum_of_paths"] = {
        s: ratio(med(s, "agg_up"), PATH_SUM) for s, _ in SETUPS}

    # Memory: the sockets' own cost of one converted session is what the
    # same connections cost without mpconv: two plain TCP connections
    # (client-CPE and converter-server: 2 x direct, both ends each) and one
    # MPTCP connection (CPE-converter: direct MPTCP, both ends).
    derived = {}
    for n in ns:
        k = "mem_kernel_%d" % n
        d, m, c, u = med("direct", k), med("dmptcp", k), med("mpconv", k), med("userspace", k)
        own = 2 * d + m if d is not None and m is not None else None
        avail = med("mpconv", "mem_avail_%d" % n)
        sl = "mem_slab_%d" % n
        sd, sm, sc = med("direct", sl), med("dmptcp", sl), med("mpconv", sl)
        sown = 2 * sd + sm if sd is not None and sm is not None else None
        derived[str(n)] = {
            "sockets_own_cost_slab_bytes": sown,
            "mpconv/sockets_own_cost_slab": ratio(sc, sown),
            "sockets_own_cost_bytes": own,
            "mpconv/sockets_own_cost": ratio(c, own),
            "userspace/sockets_own_cost": ratio(u, own),
            "userspace_all_memory/sockets_own_cost": ratio(med("userspace", "mem_used_%d" % n), own),
            "mpconv_middle_bytes": c - d if c is not None and d is not None else None,
            "mem_available_bytes": avail,
            "sessions_in_1gib_vm_whole_topology": int(avail / c) if avail and c else None,
            "sessions_in_1gib_vm_middle_only": int(avail / (c - d)) if avail and c and d and c > d else None,
        }

    out = {
        "kernel": a.kernel,
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "reps": a.reps, "iperf3_seconds": a.time, "userspace_max_n": a.us_n,
        "setups": {s: label for s, label in SETUPS},
        "units": {key: unit for key, _, unit, _ in measures},
        "figures": fig, "ratios": ratios, "memory": derived,
    }
    with open(a.json, "w") as f:
        json.dump(out, f, indent=1)

    def cell(s, key):
        x = fig.get(s, {}).get(key)
        if not x:
            return "–"
        f = "%.0f" if abs(x["median"]) >= 100 else "%.1f"
        if x["n"] == 1:
            return f % x["median"]
        return (f + " (" + f + "–" + f + ")") % (x["median"], x["min"], x["max"])

    def rcell(r):
        return "–" if r is None else "%.2f" % r

    md = ["### mpconv benchmarks, Linux %s (median (min–max) of %d)" % (a.kernel, a.reps), "",
          "| figure | unit | " + " | ".join(l for _, l in SETUPS) +
          " | mpconv / direct MPTCP | mpconv / user-space |",
          "|---|---|" + "---:|" * (len(SETUPS) + 2)]
    for key, label, unit, _ in measures:
        r = ratios[key]
        md.append("| %s | %s | %s | %s | %s |" % (
            label, unit, " | ".join(cell(s, key) for s, _ in SETUPS),
            rcell(r["mpconv/direct_mptcp"]), rcell(r["mpconv/userspace"])))
    agg = ratios["agg_up"]["aggregate/sum_of_paths"]
    md.append("| aggregate / sum of paths (40 Mbit/s) | ratio | %s | | |" %
              " | ".join(rcell(agg[s]) for s, _ in SETUPS))
    md.append("")
    for n in ns:
        d = derived[str(n)]
        if d["sockets_own_cost_bytes"] is None:
            continue
        line = ("N=%d: sockets' own cost of a converted session (2 x direct + direct MPTCP) "
                "%s slab bytes, %.0f kernel bytes; mpconv %s x that in slab, %s x in kernel "
                "memory; user-space pair %s x (kernel only), %s x "
                "(with its processes; measured with N=%s)" % (
                    n, "%.0f" % d["sockets_own_cost_slab_bytes"]
                    if d["sockets_own_cost_slab_bytes"] is not None else "-",
                    d["sockets_own_cost_bytes"], rcell(d["mpconv/sockets_own_cost_slab"]),
                    rcell(d["mpconv/sockets_own_cost"]),
                    rcell(d["userspace/sockets_own_cost"]),
                    rcell(d["userspace_all_memory/sockets_own_cost"]),
                    "%.0f" % med("userspace", "mem_n_%d" % n)
                    if med("userspace", "mem_n_%d" % n) else "-"))
        if d["sessions_in_1gib_vm_whole_topology"]:
            line += ("; a 1 GiB VM with %.0f MiB available holds about %d mpconv sessions "
                     "with all four hosts in it, %s counting only cpe + conc" % (
                         d["mem_available_bytes"] / 2**20,
                         d["sessions_in_1gib_vm_whole_topology"],
                         d["sessions_in_1gib_vm_middle_only"]))
        md.append(line + ".")
    checks = []
    for s, label in SETUPS:
        c = {m[6:]: int(fig[s][m]["median"]) for m in fig.get(s, {}) if m.startswith("check_")}
        if c:
            checks.append("%s: %s" % (label, ", ".join("%s %d" % kv for kv in sorted(c.items()))))
    if checks:
        md.append("Checks (MPTCP SYNs / joins received by conc, sessions converted): " +
                  "; ".join(checks) + ".")
    md.append("")
    with open(a.md, "w") as f:
        f.write("\n".join(md))


if __name__ == "__main__":
    main()
