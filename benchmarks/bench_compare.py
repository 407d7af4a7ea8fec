"""Two checkouts of ocpispec, interleaved: the same `ocpispec run` export against one
demo CPO (in its own process, from the base checkout), alternating the exporter's
checkout; medians of the exporter's wall and CPU seconds.

    git worktree add /tmp/base <commit>
    .venv/bin/python benchmarks/bench_compare.py /tmp/base . [--sessions 30000] [--runs 9]
"""
import argparse
import json, os, statistics, subprocess, sys, tempfile
from pathlib import Path
parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("base"); parser.add_argument("new")
parser.add_argument("--sessions", type=int, default=30000); parser.add_argument("--runs", type=int, default=9)
parser.add_argument("--spec", default="specs/municipality_sessions.ocx"); parser.add_argument("--version", default="2.2.1")
args = parser.parse_args()
TREES = {"base": str(Path(args.base).resolve()), "new": str(Path(args.new).resolve())}
PY = sys.executable
SIZE, RUNS, SPEC, VERSION = args.sessions, args.runs, args.spec, args.version
SERVER = """
import json, sys
from ocpispec.demo import DemoServer
with DemoServer(version=sys.argv[2], size=int(sys.argv[1]), max_page_size=1000) as server:
    print(json.dumps({"url": server.versions_url, "token": server.token}), flush=True)
    sys.stdin.read()
"""
EXPORTER = """
import json, resource, sys, time
from ocpispec.cli import main
started = time.perf_counter()
try:
    main(sys.argv[1:], standalone_mode=False)
finally:
    u = resource.getrusage(resource.RUSAGE_SELF)
    print(json.dumps({"seconds": time.perf_counter() - started, "cpu": u.ru_utime + u.ru_stime}), file=sys.stderr)
"""
server = subprocess.Popen([PY, "-c", SERVER, str(SIZE), VERSION], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                          text=True, cwd=TREES["base"], env={**os.environ, "PYTHONPATH": TREES["base"]})
address = json.loads(server.stdout.readline())
times = {k: [] for k in TREES}
cpus = {k: [] for k in TREES}
try:
    with tempfile.TemporaryDirectory() as folder:
        for run in range(RUNS):
            for name, tree in (TREES.items() if run % 2 == 0 else reversed(TREES.items())):
                env = {**os.environ, "PYTHONPATH": tree, "OCPI_VERSIONS_URL": address["url"],
                       "OCPI_TOKEN": address["token"], "OCPISPEC_CONFIG_DIR": folder,
                       "UTRECHT_PSEUDONYM_KEY": "5f0c2a9e7d13b846a1e5c0f93d7b28a64e1f9c05b3d8a27e6c4f10b9d5e3a782",
                       "RESEARCH_PSEUDONYM_KEY": "5f0c2a9e7d13b846a1e5c0f93d7b28a64e1f9c05b3d8a27e6c4f10b9d5e3a782"}
                out = Path(folder) / f"{name}-{run}.out"
                cmd = [PY, "-c", EXPORTER, "run", f"{tree}/{SPEC}", "--out", str(out), "--state",
                       str(Path(folder) / f"s-{name}-{run}.json"), "--as-of", "2026-01-01T00:00:00Z",
                       "--page-size", "1000", "--quiet"]
                done = subprocess.run(cmd, env=env, cwd=tree, capture_output=True, text=True)
                if done.returncode:
                    sys.exit(done.stderr)
                report = json.loads(done.stderr.strip().splitlines()[-1])
                times[name].append(report["seconds"]); cpus[name].append(report["cpu"])
finally:
    server.stdin.close(); server.wait()
for name, t in times.items():
    print(name, "median %.3f s" % statistics.median(t), " ".join("%.2f" % x for x in t))
print("new/base wall %.3f" % (statistics.median(times["new"]) / statistics.median(times["base"])))
for name, t in cpus.items():
    print(name, "cpu median %.3f s" % statistics.median(t), " ".join("%.2f" % x for x in t))
print("new/base cpu %.3f" % (statistics.median(cpus["new"]) / statistics.median(cpus["base"])))
