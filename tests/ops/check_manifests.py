#!/usr/bin/env python3
"""Static checks of the deployment assets (no Docker engine, no cluster here).

Usage: check_manifests.py REPO_ROOT

- deploy/compose.yaml and every deploy/k8s/*.yaml parse (python3-yaml) and
  have the kinds and keys the service needs: gRPC readiness/liveness probes on
  the gRPC port, the model store read-only for servers and written by the
  trainer CronJob, the HPA aimed at the Deployment, the PVC they share, ...
- deploy/Dockerfile: debian:trixie stages, prometheus-cpp-dev, non-root user,
  the three binaries, EXPOSE 50051 9464, HEALTHCHECK with `recsys-cli health`.
- deploy/systemd units: the options docs/OPERATIONS.md promises.
- deploy/grafana/dashboard.json parses, and every metric its PromQL names is
  one recsys-server exports (names read from server/metrics.cc) or `up`.
Prints one line per check and "N passed, M failed"; exits 1 on any failure.
"""
import json
import pathlib
import re
import sys

import yaml

ROOT = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else ".").resolve()
DEPLOY = ROOT / "deploy"
passed = 0
failed = 0


def check(cond, what):
    global passed, failed
    if cond:
        passed += 1
        print(f"ok   {what}")
    else:
        failed += 1
        print(f"FAIL {what}")
    return cond


def dig(obj, *path, default=None):
    for key in path:
        if isinstance(obj, dict) and key in obj:
            obj = obj[key]
        elif isinstance(obj, list) and isinstance(key, int) and key < len(obj):
            obj = obj[key]
        else:
            return default
    return obj


def flatten_args(container):
    return [str(a) for a in (container.get("command") or []) + (container.get("args") or [])]


# --- Kubernetes -------------------------------------------------------------
docs = {}
for path in sorted((DEPLOY / "k8s").glob("*.yaml")):
    try:
        loaded = [d for d in yaml.safe_load_all(path.read_text()) if d is not None]
    except yaml.YAMLError as e:
        check(False, f"{path.name} parses: {e}")
        continue
    check(bool(loaded), f"{path.name} parses and is not empty")
    for d in loaded:
        check("apiVersion" in d and "kind" in d and dig(d, "metadata", "name"),
              f"{path.name}: {d.get('kind')} has apiVersion, kind, metadata.name")
        docs.setdefault(d["kind"], []).append(d)

for kind in ["Deployment", "Service", "HorizontalPodAutoscaler", "CronJob",
             "PersistentVolumeClaim"]:
    check(kind in docs, f"k8s has a {kind}")

deployment = (docs.get("Deployment") or [{}])[0]
pod = dig(deployment, "spec", "template", "spec", default={})
containers = pod.get("containers") or [{}]
server = next((c for c in containers if "recsys-server" in " ".join(flatten_args(c)) or c.get("name") == "server"), containers[0])
args = flatten_args(server)
grpc_ports = [p.get("containerPort") for p in server.get("ports", []) if p.get("name") == "grpc"]
check(grpc_ports == [50051], "Deployment: container port grpc is 50051")
for probe in ["readinessProbe", "livenessProbe"]:
    check(dig(server, probe, "grpc", "port") == 50051,
          f"Deployment: {probe}.grpc.port is the gRPC port 50051")
check(set(dig(deployment, "spec", "selector", "matchLabels", default={}).items())
      <= set(dig(deployment, "spec", "template", "metadata", "labels", default={}).items()),
      "Deployment: selector matches the pod labels")
check(bool(dig(server, "resources", "requests", "cpu")) and bool(dig(server, "resources", "limits", "memory")),
      "Deployment: cpu request (the HPA's base) and memory limit")
check(dig(pod, "securityContext", "runAsNonRoot") is True, "Deployment: runAsNonRoot")
check("--model_dir=/models" in args, "Deployment: server reads --model_dir=/models")
check(any(a.startswith("--listen=0.0.0.0:50051") for a in args), "Deployment: listens on 0.0.0.0:50051")
check(any(a.startswith("--metrics_listen=0.0.0.0:9464") for a in args), "Deployment: metrics on 0.0.0.0:9464")
check("--allow_insecure" in args or any(a.startswith("--tls_cert=") for a in args),
      "Deployment: non-loopback gRPC has --allow_insecure or TLS (the server refuses otherwise)")
check(any(a.startswith("--page_token_key_file=") for a in args),
      "Deployment: replicas share a page-token key file")
mounts = {m["name"]: m for m in server.get("volumeMounts", [])}
volumes = {v["name"]: v for v in pod.get("volumes", [])}
model_mount = next((m for m in mounts.values() if m.get("mountPath") == "/models"), {})
check(model_mount.get("readOnly") is True, "Deployment: /models mounted readOnly by servers")
pvc_names = [dig(p, "metadata", "name") for p in docs.get("PersistentVolumeClaim", [])]
server_claim = dig(volumes.get(model_mount.get("name"), {}), "persistentVolumeClaim", "claimName")
check(server_claim in pvc_names, f"Deployment: the model volume is the PVC ({server_claim})")
key_mount = next((m for m in mounts.values() if any(a.startswith(f"--page_token_key_file={m.get('mountPath')}/") for a in args)), None)
check(key_mount is not None and "secret" in volumes.get(key_mount["name"], {}),
      "Deployment: the page-token key comes from a Secret")

services = docs.get("Service", [])
check(any(any(p.get("port") == 50051 for p in dig(s, "spec", "ports", default=[])) and
          set(dig(s, "spec", "selector", default={}).items()) <=
          set(dig(deployment, "spec", "template", "metadata", "labels", default={}).items())
          for s in services), "Service: port 50051 selects the Deployment's pods")
check(any(any(p.get("port") == 9464 for p in dig(s, "spec", "ports", default=[])) for s in services),
      "Service: exposes metrics 9464")

hpa = (docs.get("HorizontalPodAutoscaler") or [{}])[0]
check(dig(hpa, "apiVersion") == "autoscaling/v2", "HPA: autoscaling/v2")
check(dig(hpa, "spec", "scaleTargetRef", "kind") == "Deployment" and
      dig(hpa, "spec", "scaleTargetRef", "name") == dig(deployment, "metadata", "name"),
      "HPA: targets the Deployment")
check(any(dig(m, "resource", "name") == "cpu" for m in dig(hpa, "spec", "metrics", default=[])),
      "HPA: scales on CPU")
check((dig(hpa, "spec", "minReplicas") or 0) >= 2, "HPA: at least 2 replicas")

cron = (docs.get("CronJob") or [{}])[0]
cpod = dig(cron, "spec", "jobTemplate", "spec", "template", "spec", default={})
ccont = (cpod.get("containers") or [{}])[0]
cargs = flatten_args(ccont)
check(bool(dig(cron, "spec", "schedule")), "CronJob: has a schedule")
check(cargs[:2] == ["recsys-train", "train"], "CronJob: runs recsys-train train")
check("--model_dir=/models" in cargs, "CronJob: --model_dir=/models")
check(dig(cron, "spec", "concurrencyPolicy") == "Forbid", "CronJob: runs do not overlap")
cmount = next((m for m in ccont.get("volumeMounts", []) if m.get("mountPath") == "/models"), {})
cvol = {v["name"]: v for v in cpod.get("volumes", [])}.get(cmount.get("name"), {})
check(not cmount.get("readOnly", False) and dig(cvol, "persistentVolumeClaim", "claimName") == server_claim,
      "CronJob: writes the same model PVC the servers read")
pvc = (docs.get("PersistentVolumeClaim") or [{}])[0]
check("ReadWriteMany" in dig(pvc, "spec", "accessModes", default=[]),
      "PVC: ReadWriteMany (replicas on several nodes, one writer)")
check(bool(dig(pvc, "spec", "resources", "requests", "storage")), "PVC: requests storage")

# --- compose ----------------------------------------------------------------
compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
svc = compose.get("services", {})
for name in ["server", "trainer", "prometheus", "grafana"]:
    check(name in svc, f"compose: service {name}")
s, t = svc.get("server", {}), svc.get("trainer", {})
check(dig(s, "build", "dockerfile") == "deploy/Dockerfile", "compose: server built from deploy/Dockerfile")
check(s.get("image") == t.get("image"), "compose: trainer uses the server's image")
check(any(str(v).endswith(":/models:ro") for v in s.get("volumes", [])), "compose: server mounts /models read-only")
check(any(str(v).endswith(":/models") for v in t.get("volumes", [])), "compose: trainer mounts /models read-write")
tcmd = " ".join(str(c) for c in (t.get("entrypoint") or []) + (t.get("command") or []))
check("recsys-train train --model_dir=/models" in tcmd and "sleep" in tcmd and "while" in tcmd,
      "compose: trainer runs recsys-train train --model_dir=/models in a loop with sleep")
check(any("recsys-cli" in str(x) for x in dig(s, "healthcheck", "test", default=[])) and
      "health" in dig(s, "healthcheck", "test", default=[]), "compose: server healthcheck is recsys-cli health")
check("--allow_insecure" in [str(c) for c in s.get("command", [])] or
      any(str(c).startswith("--tls_cert=") for c in s.get("command", [])),
      "compose: server allows plaintext off loopback explicitly (or TLS)")
pvols = [str(v) for v in svc.get("prometheus", {}).get("volumes", [])]
for f in ["prometheus.yml", "alerts.yml"]:
    check(any(v.startswith(f"./prometheus/{f}:") for v in pvols), f"compose: prometheus mounts deploy/prometheus/{f}")
    check((DEPLOY / "prometheus" / f).is_file(), f"deploy/prometheus/{f} exists")
gvols = [str(v) for v in svc.get("grafana", {}).get("volumes", [])]
check(any(v.startswith("./grafana/dashboard.json:") for v in gvols), "compose: grafana mounts the dashboard")
for v in gvols:
    src = v.split(":")[0]
    if src.startswith("./"):
        check((DEPLOY / src).exists(), f"compose: grafana mount source {src} exists")
prom_cfg = yaml.safe_load((DEPLOY / "prometheus" / "prometheus.yml").read_text())
targets = [t for sc in prom_cfg.get("scrape_configs", []) for st in sc.get("static_configs", []) for t in st.get("targets", [])]
check("server:9464" in targets, "prometheus.yml scrapes the compose server's metrics port")
check("alerts.yml" in prom_cfg.get("rule_files", []), "prometheus.yml loads alerts.yml")
check(dig(s, "depends_on", "init-store", "condition") == "service_completed_successfully",
      "compose: server starts after the store's versions/ exists")

# --- Dockerfile ---------------------------------------------------------------
dockerfile = (DEPLOY / "Dockerfile").read_text()
dlines = [l.strip() for l in dockerfile.splitlines() if l.strip() and not l.strip().startswith("#")]
args_default = dict(re.findall(r"^ARG (\w+)=(\S+)", dockerfile, re.M))
froms = [l.split()[1] for l in dlines if l.startswith("FROM ")]
froms = [re.sub(r"\$\{(\w+)\}", lambda m: args_default.get(m.group(1), m.group(0)), f) for f in froms]
check(len(froms) >= 2, f"Dockerfile: multi-stage ({len(froms)} FROM lines)")
check(all(f.startswith("debian:trixie") for f in froms), f"Dockerfile: every stage FROM debian:trixie ({froms})")
dcode = "\n".join(dlines)
check("prometheus-cpp-dev" in dcode and "CMAKE_PREFIX_PATH" not in dcode,
      "Dockerfile: prometheus-cpp-dev from trixie, no CMAKE_PREFIX_PATH")
top_cmake = re.sub(r"#.*", "", (ROOT / "CMakeLists.txt").read_text())
# Subdirectories added unconditionally (not inside if(...) blocks).
depth, subdirs = 0, []
for line in top_cmake.splitlines():
    line = line.strip()
    if re.match(r"if\s*\(", line):
        depth += 1
    elif re.match(r"endif\s*\(", line):
        depth -= 1
    elif depth == 0:
        subdirs += re.findall(r"add_subdirectory\((\w+)\)", line)
copied = set(re.findall(r"^COPY (\w+)/ ", dockerfile, re.M))
missing = sorted(set(subdirs) - copied)
check(bool(subdirs) and not missing and "COPY CMakeLists.txt" in dockerfile,
      f"Dockerfile: copies every source directory the build adds (missing: {missing})")
check("-G Ninja" in dockerfile and "ninja-build" in dockerfile, "Dockerfile: cmake with Ninja")
runtime = dockerfile.split("AS runtime", 1)[-1]
check("AS runtime" in dockerfile and "-dev" not in re.sub(r"#.*", "", runtime).replace("'-dev$'", ""),
      "Dockerfile: runtime stage installs no -dev package")
for b in ["recsys-server", "recsys-train", "recsys-cli"]:
    check(b in runtime, f"Dockerfile: runtime has {b}")
user = [l for l in runtime.splitlines() if l.startswith("USER ")]
check(bool(user) and not user[-1].split()[1].startswith(("root", "0")), "Dockerfile: runs as a non-root USER")
check(re.search(r'^VOLUME .*"/models"', runtime, re.M) is not None, "Dockerfile: VOLUME /models")
check(re.search(r"^EXPOSE 50051 9464$", runtime, re.M) is not None, "Dockerfile: EXPOSE 50051 9464")
hc = re.search(r"^HEALTHCHECK .*?CMD (.*?)$", runtime, re.M | re.S)
check(hc is not None and "recsys-cli" in hc.group(1) and '"health"' in hc.group(1),
      "Dockerfile: HEALTHCHECK runs recsys-cli health")
check("--allow_insecure" in runtime, "Dockerfile: default CMD allows plaintext on 0.0.0.0 explicitly")

# --- systemd -----------------------------------------------------------------
def unit(name):
    sections, cur = {}, None
    text = (DEPLOY / "systemd" / name).read_text().replace("\\\n", " ")
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("["):
            cur = sections.setdefault(line.strip("[]"), {})
        else:
            k, _, v = line.partition("=")
            cur.setdefault(k, []).append(v)
    return sections

srv = unit("recsys-server.service")["Service"]
check(srv.get("Restart") == ["on-failure"], "recsys-server.service: Restart=on-failure")
check(srv.get("User") == ["recsys"], "recsys-server.service: runs as recsys")
for opt in ["NoNewPrivileges", "ProtectSystem", "ProtectHome", "PrivateTmp", "PrivateDevices",
            "CapabilityBoundingSet", "RestrictAddressFamilies", "SystemCallFilter"]:
    check(opt in srv, f"recsys-server.service: hardening {opt}")
check("/var/lib/recsys/models" in " ".join(srv.get("ReadOnlyPaths", [])),
      "recsys-server.service: model store read-only")
check("recsys-server" in srv["ExecStart"][0] and "--model_dir=/var/lib/recsys/models" in srv["ExecStart"][0],
      "recsys-server.service: ExecStart runs recsys-server on the store")
trn = unit("recsys-train.service")["Service"]
check(trn.get("Type") == ["oneshot"] and "recsys-train train" in trn["ExecStart"][0] and
      "--model_dir=/var/lib/recsys/models" in trn["ExecStart"][0], "recsys-train.service: oneshot recsys-train train")
tmr = unit("recsys-train.timer")
check(bool(tmr.get("Timer", {}).get("OnCalendar")) and tmr["Timer"].get("Unit") == ["recsys-train.service"],
      "recsys-train.timer: OnCalendar, starts recsys-train.service")
check(tmr.get("Install", {}).get("WantedBy") == ["timers.target"], "recsys-train.timer: WantedBy=timers.target")

# --- Grafana ------------------------------------------------------------------
metrics_cc = (ROOT / "server" / "metrics.cc").read_text()
exported = set(re.findall(r'\.Name\("([a-z_:]+)"\)', metrics_cc))
check(len(exported) >= 8, f"server/metrics.cc exports {len(exported)} metrics")
histograms = set(re.findall(r'BuildHistogram\(\)\s*\.Name\("([a-z_:]+)"\)', metrics_cc))
known = set(exported) | {"up"}
for h in histograms:
    known |= {h + "_bucket", h + "_count", h + "_sum"}
dash = json.loads((DEPLOY / "grafana" / "dashboard.json").read_text())


def all_panels(ps):
    for p in ps:
        yield p
        yield from all_panels(p.get("panels", []))


exprs = [(p.get("title"), t["expr"]) for p in all_panels(dash.get("panels", []))
         for t in p.get("targets", []) if t.get("expr")]
titles = " | ".join(p.get("title", "") for p in all_panels(dash.get("panels", []))).lower()
check(len(exprs) >= 6, f"dashboard: {len(exprs)} PromQL queries")
for title, expr in exprs:
    # Strip label matchers and strings, then take the metric-like identifiers.
    bare = re.sub(r'"[^"]*"', '""', expr)
    bare = re.sub(r"\{[^}]*\}", "", bare)
    bare = re.sub(r"\[[^\]]*\]", "", bare)
    bare = re.sub(r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", "", bare)
    names = set(re.findall(r"\b([a-z_][a-z0-9_:]*)\b(?!\s*\()", bare)) - {"and", "or", "unless", "le", "bool", "offset"}
    unknown = sorted(n for n in names if n not in known)
    check(not unknown and names, f"dashboard '{title}': metrics {sorted(names)} exported" +
          (f" (unknown: {unknown})" if unknown else ""))
joined = "\n".join(e for _, e in exprs)
for needle, what in [
    ("histogram_quantile(0.5, sum by (method, le) (rate(recsys_rpc_duration_seconds_bucket", "p50 latency by method"),
    ("histogram_quantile(0.99, sum by (method, le) (rate(recsys_rpc_duration_seconds_bucket", "p99 latency by method"),
    ("sum by (method) (rate(recsys_rpc_requests_total", "request rate by method"),
    ("sum by (code) (rate(recsys_rpc_requests_total", "error rate by code"),
    ("time() - recsys_model_created_timestamp_seconds", "model age"),
    ("recsys_model_reloads_total", "reloads"),
    ("sum by (surface, variant) (rate(recsys_feedback_events_total", "feedback by surface/variant"),
]:
    check(needle in joined, f"dashboard shows {what}")

print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
