#!/usr/bin/env python3
"""Measure the FunctionGraph handler: cold start, memory, warm time and API calls per event.

    .venv/bin/python benchmarks/bench_handler.py [--repeat 5] [--json]

* import: ``import handlers.index`` in a fresh interpreter (time, peak RSS).   target < 0.25 s, < 60 MiB
* cold:   a fresh interpreter that holds only the function (localcloud runs in this process and serves
          it over loopback HTTP through BMSGUARD_ENDPOINT): process start -> first report, peak RSS.
* warm:   every sample event in this process (SDK loaded), each against a fresh copy of its world.
* scale:  one-server CTS events in a 10-server and a 10,000-server project: API calls must not grow
          (except the ceil(N/1000) list pages of the shared-agency check when there is a grant to strip).
A script that measures and prints, not a test.
"""

from __future__ import annotations

import argparse
import copy
import json
import logging
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]
EVENTS = ROOT / "events"
DEMO = EVENTS / "worlds" / "demo.yaml"
TARGET_IMPORT_S, TARGET_IMPORT_MIB = 0.25, 60
BATCH_02 = "7d1c3f0a-2b7e-4d1e-9a51-0c9b8f3e6a02"
APP_06 = "9b8a7c6d-5e4f-4a3b-9c2d-1e0f00000006"

IMPORT_CHILD = """
import resource, sys, time
t = time.perf_counter()
import handlers.index
elapsed = time.perf_counter() - t
print(elapsed, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
      sum(1 for m in sys.modules if m.startswith("huaweicloudsdk")))
"""

COLD_CHILD = """
import importlib.util, json, resource, sys, time
started = time.perf_counter()
spec = importlib.util.spec_from_file_location("fg_runtime", sys.argv[1])  # the context stand-in, not the emulator
runtime = importlib.util.module_from_spec(spec); spec.loader.exec_module(runtime)
args = json.loads(sys.argv[2])
from handlers.index import handler
context = runtime.FunctionContext(ak=args["ak"], sk=args["sk"], security_token=args["token"],
                                  user_data=args["user_data"], project_id=args["project_id"])
report = handler(args["event"], context)
print(json.dumps({"seconds": time.perf_counter() - started, "status": report["status"],
                  "api_calls": report["api_calls"], "rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  "emulator_loaded": "localcloud.cloud" in sys.modules}))
"""


def run_child(code: str, *args: str) -> tuple[str, float]:
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", code, *args], cwd=ROOT, capture_output=True, text=True,
                          env=dict(os.environ, PYTHONPATH=str(ROOT)), check=False)
    wall = time.perf_counter() - started
    if done.returncode:
        sys.exit(f"child failed:\n{done.stderr[-2000:]}")
    return done.stdout.strip().splitlines()[-1], wall


def measure_import(repeat: int) -> dict[str, Any]:
    samples = [run_child(IMPORT_CHILD)[0].split() for _ in range(repeat)]
    seconds = [float(s[0]) for s in samples]
    return {"import_s_median": statistics.median(seconds), "import_s_max": max(seconds),
            "rss_mib_max": max(float(s[1]) for s in samples), "sdk_modules_loaded": int(samples[0][2])}


def user_data(cloud: Any, endpoint: str = "") -> dict[str, str]:
    data = {"BMSGUARD_REGION": cloud.region, "BMSGUARD_PROJECT_ID": cloud.project_id,
            "BMSGUARD_DOMAIN_ID": cloud.domain_id,
            "BMSGUARD_TOPIC_URN": f"urn:smn:{cloud.region}:{cloud.project_id}:bmsguard-alerts"}
    if endpoint:
        data["BMSGUARD_ENDPOINT"] = endpoint
    return data


def measure_cold(event_name: str, repeat: int) -> dict[str, Any]:
    from localcloud import LocalCloud
    from localcloud.server import LocalCloudServer

    results = []
    for _ in range(repeat):
        cloud = LocalCloud.from_file(DEMO)
        credential = cloud.credential()
        with LocalCloudServer(cloud) as server:
            args = {"ak": credential.ak, "sk": credential.sk, "token": credential.security_token or "",
                    "project_id": cloud.project_id, "user_data": user_data(cloud, server.endpoint),
                    "event": json.loads((EVENTS / event_name).read_text())}
            line, wall = run_child(COLD_CHILD, str(ROOT / "localcloud" / "runtime.py"), json.dumps(args))
        result = json.loads(line)
        result["process_wall_s"] = wall
        results.append(result)
    return {"event": event_name, "start_to_report_s_median": statistics.median(r["seconds"] for r in results),
            "process_wall_s_median": statistics.median(r["process_wall_s"] for r in results),
            "rss_mib_max": max(r["rss_mib"] for r in results), "api_calls": results[0]["api_calls"],
            "status": results[0]["status"], "emulator_in_process": results[0]["emulator_loaded"]}


def invoke(cloud: Any, event: Any) -> tuple[dict[str, Any], float]:
    from handlers.compose import reset_container_state
    from handlers.index import EventFailed, handle
    from localcloud.runtime import FunctionContext

    reset_container_state()
    context = FunctionContext.for_cloud(cloud, user_data=user_data(cloud))
    started = time.perf_counter()
    try:
        report = handle(event, context, sleep=lambda _s: None)
    except EventFailed as exc:
        report = exc.report
    return report, time.perf_counter() - started


def measure_warm(repeat: int) -> list[dict[str, Any]]:
    from localcloud import LocalCloud

    catalogue = yaml.safe_load((EVENTS / "catalogue.yaml").read_text())["events"]
    world_cache: dict[str, dict[str, Any]] = {}
    rows = []
    invoke(LocalCloud.from_file(DEMO).__enter__(), {"server_ids": [BATCH_02]})  # load the SDK first
    for entry in catalogue:
        world = world_cache.setdefault(entry["world"], yaml.safe_load((EVENTS / entry["world"]).read_text()))
        event = json.loads((EVENTS / entry["file"]).read_text())
        times, report = [], {}
        for _ in range(repeat):
            with LocalCloud(copy.deepcopy(world)) as cloud:
                report, seconds = invoke(cloud, event)
            times.append(seconds)
        rows.append({"event": entry["file"], "status": report["status"], "servers": len(report["servers"]),
                     "api_calls": report["api_calls"], "warm_ms_median": statistics.median(times) * 1000})
    return rows


def scaled_world(extra_servers: int) -> dict[str, Any]:
    world = yaml.safe_load(DEMO.read_text())
    world["servers"] += [{"id": f"10000000-0000-4000-8000-{i:012d}", "name": f"bulk-{i}", "status": "ACTIVE",
                          "metadata_options": {"http_endpoint": "enabled", "http_tokens": "required"}}
                         for i in range(extra_servers)]
    return world


def metadata_change_on(server_id: str) -> dict[str, Any]:
    event = json.loads((EVENTS / "cts_bms_metadata_options_v1.json").read_text())
    event["cts"]["resource_id"] = server_id
    event["cts"]["resource_name"] = ""
    return event


def measure_scaling() -> list[dict[str, Any]]:
    from localcloud import LocalCloud

    cases = {
        "metadata change, no agency (bms-batch-02)": metadata_change_on(BATCH_02),
        "compliant, no agency (cts_bms_create_v2_already)": json.loads(
            (EVENTS / "cts_bms_create_v2_already.json").read_text()),
        "agency bound with excess grants (bms-app-06)": json.loads(
            (EVENTS / "cts_bms_agency_bound.json").read_text()),
    }
    rows = []
    for label, event in cases.items():
        row: dict[str, Any] = {"case": label}
        for servers in (10, 10_000):
            with LocalCloud(scaled_world(servers - 6)) as cloud:
                report, seconds = invoke(cloud, event)
                lists = sum(1 for call in cloud.calls if call["operation"] == "ListBareMetalServers")
            row[f"calls@{servers}"] = report["api_calls"]
            row[f"list_pages@{servers}"] = lists
            row[f"ms@{servers}"] = round(seconds * 1000, 1)
        rows.append(row)
    return rows


def table(rows: list[dict[str, Any]]) -> str:
    if not rows:
        return ""
    keys = list(rows[0])
    cells = [[_fmt(row.get(k)) for k in keys] for row in rows]
    widths = [max(len(k), *(len(c[i]) for c in cells)) for i, k in enumerate(keys)]
    lines = ["  ".join(k.ljust(w) for k, w in zip(keys, widths, strict=True))]
    lines += ["  ".join(c.ljust(w) for c, w in zip(cell, widths, strict=True)) for cell in cells]
    return "\n".join(lines)


def _fmt(value: Any) -> str:
    return f"{value:.3f}" if isinstance(value, float) else str(value)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--json", action="store_true", help="print one JSON document instead of tables")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    quiet = logging.getLogger("bmsguard")  # the handler's JSON lines would drown the tables
    quiet.addHandler(logging.NullHandler())
    quiet.propagate = False
    results = {
        "import": measure_import(args.repeat),
        "cold": [measure_cold(name, max(1, args.repeat // 2)) for name in
                 ("cts_bms_create_v2_already.json", "cts_bms_agency_bound.json")],
        "warm": measure_warm(args.repeat),
        "scale": measure_scaling(),
    }
    imp = results["import"]
    results["targets_met"] = imp["import_s_max"] < TARGET_IMPORT_S and imp["rss_mib_max"] < TARGET_IMPORT_MIB
    if args.json:
        print(json.dumps(results, indent=2))
        return 0
    print(f"import handlers.index: median {imp['import_s_median']:.3f} s, max {imp['import_s_max']:.3f} s, "
          f"peak RSS {imp['rss_mib_max']:.1f} MiB, SDK modules loaded {imp['sdk_modules_loaded']} "
          f"(targets < {TARGET_IMPORT_S} s, < {TARGET_IMPORT_MIB} MiB: "
          f"{'met' if results['targets_met'] else 'MISSED'})")
    print("\ncold start (fresh interpreter -> first report, localcloud over loopback HTTP)")
    print(table(results["cold"]))
    print("\nwarm, per sample event (fresh world each time)")
    print(table(results["warm"]))
    print("\none-server CTS events, 10 vs 10,000 servers in the project")
    print(table(results["scale"]))
    return 0 if results["targets_met"] else 1


if __name__ == "__main__":
    sys.exit(main())
