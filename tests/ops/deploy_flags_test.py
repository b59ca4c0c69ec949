#!/usr/bin/env python3
"""Every flag the deployment assets pass to a binary is a flag of that binary.

Usage: deploy_flags_test.py BIN_DIR REPO_ROOT

The command lines in deploy/Dockerfile (CMD, HEALTHCHECK), deploy/compose.yaml,
deploy/k8s/*.yaml and deploy/systemd/*.service are collected per binary and
their --flags compared with the flags the built binary lists in --help (a
misspelt flag makes recsys-server exit 2 at start: a crash loop in production).
Prints one line per command line and "N passed, M failed".
"""
import pathlib
import re
import shlex
import subprocess
import sys

import yaml

BIN = pathlib.Path(sys.argv[1])
ROOT = pathlib.Path(sys.argv[2])
DEPLOY = ROOT / "deploy"
BINARIES = ["recsys-server", "recsys-train", "recsys-cli"]


def defined_flags(binary):
    out = subprocess.run([str(BIN / binary), "--help"], capture_output=True, text=True, timeout=30)
    return set(re.findall(r"^\s+--([a-z0-9_]+) \(", out.stdout + out.stderr, re.M))


FLAGS = {b: defined_flags(b) for b in BINARIES}
passed = failed = 0


def check_line(where, words):
    """words: a tokenised command; flags after a recsys-* word belong to it."""
    global passed, failed
    current, seen = None, []
    for w in words:
        base = w.rsplit("/", 1)[-1]
        if base in BINARIES:
            current = base
            seen.append((current, []))
        elif current and w.startswith("--"):
            seen[-1][1].append(w[2:].split("=", 1)[0])
    if not seen:
        print(f"FAIL {where}: no recsys binary found in {words}")
        failed += 1
        return
    for binary, flags in seen:
        unknown = [f for f in flags if f not in FLAGS[binary]]
        if unknown:
            failed += 1
            print(f"FAIL {where}: {binary} has no flag(s) {unknown}")
        else:
            passed += 1
            print(f"ok   {where}: {binary} {' '.join('--' + f for f in flags)}")


for b, flags in FLAGS.items():
    if len(flags) < 5:
        print(f"FAIL {b} --help lists only {sorted(flags)}")
        failed += 1

# Dockerfile: the image's entrypoint + CMD, and the HEALTHCHECK.
docker = (DEPLOY / "Dockerfile").read_text().replace("\\\n", " ")
entry = yaml.safe_load(re.search(r"^ENTRYPOINT (.*)$", docker, re.M).group(1))
cmd = yaml.safe_load(re.search(r"^CMD (\[.*\])$", docker, re.M).group(1))
check_line("Dockerfile ENTRYPOINT+CMD", entry + cmd)
health = yaml.safe_load(re.search(r"^HEALTHCHECK .*? CMD (\[.*\])$", docker, re.M).group(1))
check_line("Dockerfile HEALTHCHECK", health)

# compose: the server's command after the image's entrypoint, the trainer's
# shell script, the healthcheck.
compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
srv = compose["services"]["server"]
check_line("compose server", entry + srv["command"])
check_line("compose server healthcheck", srv["healthcheck"]["test"])
script = "\n".join(compose["services"]["trainer"]["command"]).replace("\\\n", " ")
for line in script.splitlines():
    if "recsys-" in line:
        check_line("compose trainer", shlex.split(line.replace("||", "#"), comments=True))

# Kubernetes: containers and init containers of every pod template.
for path in sorted((DEPLOY / "k8s").glob("*.yaml")):
    for doc in yaml.safe_load_all(path.read_text()):
        if not doc:
            continue
        spec = doc.get("spec", {})
        pod = (spec.get("template") or spec.get("jobTemplate", {}).get("spec", {}).get("template") or {}).get("spec")
        if not pod:
            continue
        for c in pod.get("containers", []):
            words = (c.get("command") or entry) + (c.get("args") or [])
            check_line(f"{path.name} {doc['kind']}/{c['name']}", words)

# systemd: ExecStart with the unit's default Environment= values expanded.
for path in sorted((DEPLOY / "systemd").glob("*.service")):
    text = path.read_text().replace("\\\n", " ")
    env = {}
    for m in re.finditer(r"^Environment=(.*)$", text, re.M):
        for assignment in shlex.split(m.group(1)):
            k, _, v = assignment.partition("=")
            env[k] = v
    for m in re.finditer(r"^ExecStart=(.*)$", text, re.M):
        line = re.sub(r"\$\{?(\w+)\}?", lambda v: env.get(v.group(1), ""), m.group(1))
        check_line(f"{path.name} ExecStart", shlex.split(line))

print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed or not passed else 0)
