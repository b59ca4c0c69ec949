#!/usr/bin/env python3
"""Reports of the serving benchmarks (bench/serving_bench.sh, bench/growth.sh).

  bench_report.py serving FACTS.tsv [--out=FILE]
      FACTS.tsv: lines "dotted.key<TAB>value" written by serving_bench.sh; a
      value "@PATH" is the JSON in that file (a recsys-loadgen report). Adds
      the derived numbers, prints a markdown table, writes the JSON to FILE.
  bench_report.py growth [--out=FILE] REPORT.json...
      One serving report per model size -> one markdown table (and the list
      of reports as JSON to FILE).
  bench_report.py closed-recommend-qps FACTS.tsv
      The closed loop's Recommend QPS (the median round's), for the fixed
      rate that follows it.
  bench_report.py call-windows CALLS.csv PUBLICATIONS.json
      One load's calls (recsys-loadgen --calls_out) cut by the publications'
      windows ([start, end] in Unix seconds each; per publication its
      "publication" and its "swap"): latency of the calls scheduled inside
      the swaps, inside the publications, in neither (between), and per
      window, as JSON.
  bench_report.py check-serving REPORT.json
      The smoke test's checks: every field present, every phase without
      failed RPCs, every version swapped in under load. Exit 1 with the
      reasons otherwise.

Standard library only.
"""

import csv
import json
import math
import os
import sys

SCHEMA = "recsys-serving-bench/1"


def parse_value(text):
    if text.startswith("@"):
        with open(text[1:]) as f:
            return json.load(f)
    if text in ("true", "false"):
        return text == "true"
    if text in ("", "unknown"):
        return None
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return text


def read_facts(path):
    report = {"schema": SCHEMA}
    with open(path) as f:
        for line in f:
            line = line.rstrip("\n")
            if not line:
                continue
            key, _, value = line.partition("\t")
            node = report
            *parents, leaf = key.split(".")
            for p in parents:
                node = node.setdefault(p, {})
            node[leaf] = parse_value(value)
    return report


def ratio(a, b):
    return round(a / b, 4) if a is not None and b else None


# Calls scheduled in a load's first half second (the channel's set-up) are
# in no window.
WARMUP_MS = 500


def latency_summary(calls):
    """calls: (latency_ms or None, code) -> counts and nearest-rank quantiles
    of the calls that were sent (a call not sent at the in-flight cap has no
    latency: counted apart, as recsys-loadgen's own report does)."""
    sent = sorted(lat for lat, _ in calls if lat is not None)
    out = {"calls": len(sent),
           "not_sent": sum(1 for lat, _ in calls if lat is None),
           "failed": sum(1 for lat, code in calls
                         if lat is not None and code != "OK")}
    for name, q in (("p50", 0.5), ("p90", 0.9), ("p99", 0.99)):
        out[f"{name}_ms"] = (sent[max(math.ceil(q * len(sent)) - 1, 0)]
                             if sent else None)
    out["max_ms"] = sent[-1] if sent else None
    return out


def call_windows(calls_path, publications_path):
    """Each publication has two windows ([start, end] in Unix seconds): its
    "publication" (the files copied in and made current: the publisher's
    work) and its "swap" (from the moment it is current until the server
    has served it for a while: the server's work). A publication with only
    a "window" (reports before 2026-12-05) counts it all as the swap."""
    with open(publications_path) as f:
        publications = json.load(f)
    with open(calls_path) as f:
        head = f.readline()
        prefix = "# recsys-loadgen calls start_unix_ms="
        if not head.startswith(prefix):
            raise SystemExit(f"{calls_path}: not a recsys-loadgen calls file")
        start_ms = int(head[len(prefix):])
        rows = list(csv.DictReader(f))

    def span(window):
        return (window[0] * 1000 - start_ms, window[1] * 1000 - start_ms)

    swaps = [span(p.get("swap", p.get("window"))) for p in publications]
    copies = [span(p["publication"]) if "publication" in p else None
              for p in publications]
    during = [[] for _ in swaps]
    publishing = [[] for _ in copies]
    between = []
    for row in rows:
        at = float(row["scheduled_ms"])
        if at < WARMUP_MS:
            continue
        call = (float(row["latency_ms"]) if row["latency_ms"] else None,
                row["code"])
        swap = [i for i, (a, b) in enumerate(swaps) if a <= at < b]
        copy = [i for i, s in enumerate(copies) if s and s[0] <= at < s[1]]
        if swap:
            during[swap[0]].append(call)
        elif copy:
            publishing[copy[0]].append(call)
        else:
            between.append(call)
    result = {
        "during": latency_summary([c for w in during for c in w]),
        "between": latency_summary(between),
        "per_window": [latency_summary(w) for w in during],
        "windows_s": [round((b - a) / 1000, 3) for a, b in swaps],
    }
    result["p99_during_over_between"] = ratio(result["during"]["p99_ms"],
                                              result["between"]["p99_ms"])
    if any(copies):
        result["publication"] = latency_summary(
            [c for w in publishing for c in w])
        result["per_publication"] = [latency_summary(w) for w in publishing]
        result["publications_s"] = [round((s[1] - s[0]) / 1000, 3) if s else None
                                    for s in copies]
        result["p99_publication_over_between"] = ratio(
            result["publication"]["p99_ms"], result["between"]["p99_ms"])
    return result


def add_derived(r):
    closed = r.get("closed_loop")
    if closed:
        # Rounds of health then recommend; the ratio is the median round's,
        # and health / recommend are that round's reports.
        rounds = [closed["rounds"][k] for k in
                  sorted(closed["rounds"], key=int)]
        for rd in rounds:
            rd["ratio"] = ratio(rd["recommend"]["qps"], rd["health"]["qps"])
        closed["round_ratios"] = [rd["ratio"] for rd in rounds]
        median = sorted(rounds, key=lambda rd: rd["ratio"])[
            (len(rounds) - 1) // 2]
        closed["health"] = median["health"]
        closed["recommend"] = median["recommend"]
        closed["recommend_over_health"] = median["ratio"]
        # What a call costs each of the two processes that share the CPUs,
        # over all rounds: the server's CPU from /proc around each load,
        # the load generator's from its own report (absent before both
        # were recorded).
        cpu = {}
        for rpc in ("health", "recommend"):
            calls = sum(rd[rpc]["requests"] for rd in rounds)
            server = [rd.get("server_cpu_s", {}).get(rpc) for rd in rounds]
            loadgen = [rd[rpc].get("cpu_s") for rd in rounds]
            if calls and None not in server and None not in loadgen:
                cpu[rpc] = {"server_us": 1e6 * sum(server) / calls,
                            "loadgen_us": 1e6 * sum(loadgen) / calls}
        if cpu:
            closed["cpu_us_per_call"] = cpu
    reload = r.get("reload")
    if reload:
        lg = reload["report"]
        reload["requests"] = lg["requests"]
        reload["failed_rpcs"] = lg["errors"]
        reload["skipped"] = lg["skipped"]
        reload["codes"] = lg["codes"]
        reload["load_p99_ms"] = lg["latency_ms"]["p99"]
        # The target's numbers: p99 of the calls scheduled while a version
        # was published and swapped in, against the same load between the
        # swaps, against the fixed-rate phase (minutes earlier) and against
        # the control's publication windows (no swap).
        windows = reload["windows"]
        reload["p99_ms"] = windows["during"]["p99_ms"]
        reload["between_p99_ms"] = windows["between"]["p99_ms"]
        reload["p99_over_between"] = windows["p99_during_over_between"]
        reload["publication_p99_ms"] = windows.get("publication", {}).get("p99_ms")
        reload["p99_publication_over_between"] = windows.get(
            "p99_publication_over_between")
        reload["versions_served"] = len(reload["swaps"])
        steady = r.get("fixed_rate", {}).get("report")
        reload["steady_p99_ms"] = steady["latency_ms"]["p99"] if steady else None
        reload["p99_over_steady"] = ratio(reload["p99_ms"],
                                          reload["steady_p99_ms"])
        control = reload.get("control")
        if control:
            # The control's "swap" windows are the same spans after its
            # publications, with no swap in them.
            reload["control_p99_ms"] = control["windows"]["during"]["p99_ms"]
            reload["p99_over_control"] = ratio(reload["p99_ms"],
                                               reload["control_p99_ms"])
    return r


def num(x, digits=0):
    if x is None:
        return "n/a"
    return f"{x:,.{digits}f}"


def ms(x):
    if x is None:
        return "n/a"
    return f"{x:.3g} ms" if x < 100 else f"{x:,.0f} ms"


def secs(x):
    if x is None:
        return "n/a"
    return f"{x:.3f} s" if x < 10 else f"{x:,.1f} s"


def mb(x):
    return "n/a" if x is None else f"{x / 1e6:,.1f} MB"


def lat(report, keys=("p50", "p99")):
    return ", ".join(f"{k} {ms(report['latency_ms'][k])}" for k in keys)


def errors(report):
    failed = report["errors"]
    text = f"{failed} failed"
    if failed:
        text += " (" + ", ".join(
            f"{c} {n}" for c, n in sorted(report["codes"].items())
            if c != "OK") + ")"
    if report.get("skipped"):
        text += f", {report['skipped']} not sent (in-flight cap)"
    return text


def serving_table(r):
    m, s, p = r["model"], r.get("startup", {}), r["params"]
    rows = [
        ("model", "users x tracks x artists, factors",
         f"{num(m['users'])} x {num(m['tracks'])} x {num(m['artists'])}, "
         f"{m['factors']}"),
        ("model", f"on disk ({m['version']}, {m['source']})",
         f"{mb(m['bytes'])} in {m['files']} files"),
    ]
    if "cold_read_s" in s:
        rows += [
            ("start-up", f"sequential read, cold cache ({s['evict_method']})",
             f"{secs(s['cold_read_s'])} ({num(s['cold_read_mb_per_s'])} MB/s)"),
            ("start-up", "launch -> SERVING, cold cache",
             f"{secs(s['cold_start_s'])} (server's model load "
             f"{secs(s['cold_server_load_s'])})"),
            ("start-up", "cold start-up / cold read",
             f"{num(s['cold_start_over_cold_read'], 1)}x"),
        ]
    rows.append(("start-up", "launch -> SERVING, warm cache",
                 f"{secs(s['warm_start_s'])} (server's model load "
                 f"{secs(s['warm_server_load_s'])})"))
    if s.get("server_rss_mib") is not None:
        rows.append(("start-up", "server RSS when SERVING",
                     f"{num(s['server_rss_mib'])} MiB"))
    if s.get("warm_reserve_s") not in (None, ""):
        rows.append(("start-up", "swap memory reserved in the background (launch -> done)",
                     f"{secs(s['warm_reserve_s'])}; RSS then "
                     f"{num(s['server_rss_reserved_mib'])} MiB"))
    c = r.get("closed_loop")
    if c:
        phase = f"closed loop, {p['concurrency']} in flight, {p['duration_s']} s"
        if c.get("round_ratios"):
            phase += (f" in {len(c['round_ratios'])} rounds of health then "
                      f"recommend ({c['round_s']} s each)")
        for rpc in ("health", "recommend"):
            rows.append((phase, rpc, f"{num(c[rpc]['qps'])} QPS; "
                         f"{lat(c[rpc])}; {errors(c[rpc])}"))
        rows.append((phase, "recommend QPS / health QPS",
                     num(c["recommend_over_health"], 4)))
        if c.get("round_ratios"):
            rows.append((phase, "the rounds' ratios (median above)",
                         ", ".join(num(x, 4) for x in c["round_ratios"])))
        for rpc, cpu in c.get("cpu_us_per_call", {}).items():
            rows.append((phase, f"{rpc}: CPU per call, server / load "
                         "generator (all rounds)",
                         f"{num(cpu['server_us'], 1)} / "
                         f"{num(cpu['loadgen_us'], 1)} µs"))
    f = r.get("fixed_rate")
    if f:
        rows.append((f"fixed rate {num(f['target_qps'])} QPS, "
                     f"{p['duration_s']} s", "recommend",
                     f"{num(f['report']['qps'])} QPS; "
                     f"{lat(f['report'], ('p50', 'p99', 'p99.9'))}; "
                     f"{errors(f['report'])}"))
        if f.get("server_peak_rss_mib") is not None:
            rows.append(("fixed rate", "server peak RSS so far",
                         f"{num(f['server_peak_rss_mib'])} MiB"))
    rl = r.get("reload")
    if rl:
        phase = (f"reload: {rl['versions_published']} versions under "
                 f"{num(rl['target_qps'])} QPS, "
                 f"{num(rl['report']['duration_s'], 1)} s")
        swaps = rl["swaps"]

        def spread(key):
            vals = [x[key] for x in swaps if x.get(key) is not None]
            if not vals:
                return "n/a"
            return f"{secs(sum(vals) / len(vals))} / {secs(max(vals))}"

        rows += [
            (phase, "versions served", f"{rl['versions_served']} of "
             f"{rl['versions_published']}" + (
                 "" if rl["swaps_inside_load"]
                 else " (WARNING: the load ended before the last swap)")),
            (phase, "failed RPCs", f"{errors(rl['report'])} of "
             f"{num(rl['requests'])}"),
            (phase, "recommend p99 during swaps / between publications (same load)",
             f"{ms(rl['p99_ms'])} / {ms(rl['between_p99_ms'])} = "
             f"{num(rl['p99_over_between'], 2)}x"),
            (phase, "recommend p99 during publications (before the swaps) / between",
             f"{ms(rl.get('publication_p99_ms'))} / {ms(rl['between_p99_ms'])} = "
             f"{num(rl.get('p99_publication_over_between'), 2)}x"),
            (phase, "recommend p99 during swaps / steady p99 (fixed rate)",
             f"{ms(rl['p99_ms'])} / {ms(rl['steady_p99_ms'])} = "
             f"{num(rl['p99_over_steady'], 2)}x"),
            (phase, "p99 per swap window (window length)",
             ", ".join(f"{ms(w['p99_ms'])} ({secs(t)})" for w, t in zip(
                 rl["windows"]["per_window"], rl["windows"]["windows_s"]))),
            (phase, "calls during swaps / publications / between (not sent)",
             " / ".join(f"{num(w['calls'])} ({num(w['not_sent'])})" for w in (
                 rl["windows"]["during"],
                 rl["windows"].get("publication", {"calls": None, "not_sent": None}),
                 rl["windows"]["between"]))),
            (phase, "publication (recsys-train), mean / max",
             spread("publish_s")),
            (phase, "published -> served, mean / max", spread("visible_s")),
            (phase, "server's load of a version, mean / max",
             spread("server_load_s")),
        ]
        control = rl.get("control")
        if control:
            rows += [
                (phase, "control (same publications, no swap): recommend",
                 f"{lat(control['report'], ('p50', 'p99', 'p99.9'))}; "
                 f"{errors(control['report'])}"),
                (phase, "control: p99 during publications / between them",
                 f"{ms(control['windows'].get('publication', {}).get('p99_ms'))} / "
                 f"{ms(control['windows']['between']['p99_ms'])} = "
                 f"{num(control['windows'].get('p99_publication_over_between'), 2)}x"),
                (phase, "control: p99 in the swap windows' place (no swap) / between",
                 f"{ms(control['windows']['during']['p99_ms'])} / "
                 f"{ms(control['windows']['between']['p99_ms'])} = "
                 f"{num(control['windows']['p99_during_over_between'], 2)}x"),
                (phase, "recommend p99 during swaps / control's in their place",
                 f"{ms(rl['p99_ms'])} / {ms(rl['control_p99_ms'])} = "
                 f"{num(rl['p99_over_control'], 2)}x"),
            ]
    out = ["| phase | measure | value |", "|---|---|---|"]
    out += [f"| {a} | {b} | {c} |" for a, b, c in rows]
    host = r.get("host", {})
    out.append("")
    flags = f", server flags {r['server_flags']}" if r.get("server_flags") else ""
    out.append(f"commit {r.get('commit')}{flags}, {host.get('nproc')} CPUs, load "
               f"average {host.get('loadavg_start')} at the start, "
               f"{host.get('loadavg_end')} at the end")
    return "\n".join(out)


def growth_table(reports):
    out = ["| users | tracks | model | cold start-up | warm start-up | "
           "server RSS | health QPS | recommend QPS | recommend / health | "
           "fixed rate | recommend p50 / p99 at the fixed rate (calls) |",
           "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in reports:
        m, s = r["model"], r.get("startup", {})
        c, f = r.get("closed_loop", {}), r.get("fixed_rate", {})
        cells = [num(m["users"]), num(m["tracks"]), mb(m["bytes"]),
                 secs(s.get("cold_start_s")), secs(s.get("warm_start_s")),
                 (f"{num(f['server_peak_rss_mib'])} MiB"
                  if f.get("server_peak_rss_mib") is not None else "n/a"),
                 num(c["health"]["qps"]) if c else "n/a",
                 num(c["recommend"]["qps"]) if c else "n/a",
                 num(c.get("recommend_over_health"), 4) if c else "n/a",
                 num(f["target_qps"]) + " QPS" if f else "n/a",
                 (f"{ms(f['report']['latency_ms']['p50'])} / "
                  f"{ms(f['report']['latency_ms']['p99'])} "
                  f"({num(f['report']['requests'])})") if f else "n/a"]
        out.append("| " + " | ".join(cells) + " |")
    return "\n".join(out)


REQUIRED = {
    "model": ["users", "tracks", "artists", "factors", "bytes", "version"],
    "startup": ["evict_method", "cold_read_s", "cold_start_s", "warm_start_s",
                "cold_start_over_cold_read"],
    "closed_loop": ["health", "recommend", "recommend_over_health",
                    "cpu_us_per_call"],
    "fixed_rate": ["target_qps", "report"],
    "reload": ["versions_published", "versions_served", "failed_rpcs",
               "codes", "p99_ms", "between_p99_ms", "p99_over_between",
               "publication_p99_ms", "p99_publication_over_between",
               "steady_p99_ms", "p99_over_steady", "swaps", "windows",
               "swaps_inside_load", "control", "control_p99_ms",
               "p99_over_control"],
}


def check_serving(r):
    problems = []
    if r.get("schema") != SCHEMA:
        problems.append(f"schema is {r.get('schema')!r}, not {SCHEMA!r}")
    for section, keys in REQUIRED.items():
        for k in keys:
            if r.get(section, {}).get(k) is None:
                problems.append(f"{section}.{k} is missing")
    if problems:
        return problems
    c = r["closed_loop"]
    rounds = c.get("rounds", {})
    if len(rounds) != r["params"]["rounds"]:
        problems.append(f"closed loop: {len(rounds)} rounds, not "
                        f"{r['params']['rounds']}")
    for k, rd in sorted(rounds.items()):
        for rpc in ("health", "recommend"):
            lg = rd[rpc]
            if lg["requests"] == 0 or lg["errors"] != 0:
                problems.append(f"closed loop round {k} {rpc}: "
                                f"{lg['requests']} requests, codes {lg['codes']}")
            if set(lg["rpcs"]) != {rpc}:
                problems.append(f"closed loop round {k} {rpc} sent {lg['rpcs']}")
    cpu = c["cpu_us_per_call"]
    if set(cpu) != {"health", "recommend"} or not all(
            x["server_us"] > 0 and x["loadgen_us"] > 0 for x in cpu.values()):
        problems.append(f"closed loop: CPU per call {cpu}")
    if r["fixed_rate"]["report"]["errors"] != 0:
        problems.append(f"fixed rate: codes {r['fixed_rate']['report']['codes']}")
    rl = r["reload"]
    if rl["failed_rpcs"] != 0:
        problems.append(f"reload: {rl['failed_rpcs']} failed RPCs, codes "
                        f"{rl['codes']}")
    if rl["versions_served"] != rl["versions_published"]:
        problems.append(f"reload: {rl['versions_served']} of "
                        f"{rl['versions_published']} versions served")
    if not rl["swaps_inside_load"]:
        problems.append("reload: the load ended before the last swap")
    if rl["requests"] == 0:
        problems.append("reload: no requests")
    for name, w in (("reload", rl["windows"]),
                    ("reload control", rl["control"]["windows"])):
        if w["during"]["calls"] == 0 or w["between"]["calls"] == 0:
            problems.append(f"{name}: calls during / between the "
                            f"publications: {w['during']['calls']} / "
                            f"{w['between']['calls']}")
        if len(w["per_window"]) != rl["versions_published"]:
            problems.append(f"{name}: {len(w['per_window'])} windows")
        sent = w["during"]["calls"] + w["between"]["calls"]
        if w["during"]["failed"] + w["between"]["failed"] != 0 or sent > (
                rl["requests"] if name == "reload"
                else rl["control"]["report"]["requests"]):
            problems.append(f"{name}: windows {w}")
    control = rl["control"]["report"]
    if control["requests"] == 0 or control["errors"] != 0:
        problems.append(f"reload control: {control['requests']} requests, "
                        f"codes {control['codes']}")
    return problems


def main(argv):
    if len(argv) < 2 or argv[1] not in ("serving", "growth", "check-serving",
                                        "closed-recommend-qps",
                                        "call-windows"):
        sys.exit(__doc__)
    out = None
    args = []
    for a in argv[2:]:
        if a.startswith("--out="):
            out = a[len("--out="):]
        else:
            args.append(a)
    if argv[1] == "call-windows":
        print(json.dumps(call_windows(args[0], args[1]), sort_keys=True))
        return 0
    if argv[1] == "closed-recommend-qps":
        print(add_derived(read_facts(args[0]))["closed_loop"]["recommend"]["qps"])
        return 0
    if argv[1] == "serving":
        report = add_derived(read_facts(args[0]))
        print(serving_table(report))
        result = report
    elif argv[1] == "growth":
        reports = []
        for path in args:
            with open(path) as f:
                reports.append(json.load(f))
        print(growth_table(reports))
        result = {"schema": "recsys-growth-bench/1", "runs": reports}
    else:
        with open(args[0]) as f:
            problems = check_serving(json.load(f))
        for p in problems:
            print(f"FAIL: {p}", file=sys.stderr)
        return 1 if problems else 0
    if out:
        os.makedirs(os.path.dirname(os.path.abspath(out)), exist_ok=True)
        with open(out, "w") as f:
            json.dump(result, f, indent=2, sort_keys=True)
            f.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
