#!/usr/bin/env python3
"""Checks docker-compose.yml against the deployment rules of docs/security.md; prints one line per breach.

  FORESIGHT_ENV_FILE=deploy/foresight.env.example docker-compose config | python3 deploy/check-compose.py

Rules: every service has a restart policy and (unless it is a one-shot job) a healthcheck; every published
port is bound to 127.0.0.1 unless it is the ingest API's (FORESIGHT_INGEST_PUBLISH); no secret is written
in the compose file itself; MLflow runs the basic-auth app without a wildcard allowed host; Temporal requires
client certificates; Foresight's workers bind metrics on 0.0.0.0 inside the container and the control worker
reads the mounted rules folder.
"""
import re
import sys

import yaml

ONE_SHOT = {"preflight", "minio-buckets"}
SECRET_KEYS = re.compile(r"PASSWORD|PWD|SECRET|TOKEN", re.I)


def breaches(rendered, raw):
    out = []
    services = rendered.get("services", {})
    for name, s in services.items():
        if "restart" not in s:
            out.append(f"{name}: no restart policy")
        if name not in ONE_SHOT and "healthcheck" not in s:
            out.append(f"{name}: no healthcheck")
        for p in s.get("ports", []):
            text = p if isinstance(p, str) else f"{p.get('host_ip', '')}:{p.get('published')}:{p.get('target')}"
            if name != "ingest" and not text.startswith("127.0.0.1:"):
                out.append(f"{name}: port {text} is not bound to 127.0.0.1")
    for name, s in raw.get("services", {}).items():
        env = s.get("environment", {}) or {}
        items = env.items() if isinstance(env, dict) else (e.split("=", 1) + [""] for e in env)
        for k, v, *_ in ([k, v] for k, v in items):
            if SECRET_KEYS.search(str(k)) and v not in (None, "") and not str(v).startswith("/"):
                out.append(f"{name}: secret {k} is written in the compose file; move it to the env file")
    mlflow = " ".join(map(str, services.get("mlflow", {}).get("entrypoint", []) or []))
    if "--app-name basic-auth" not in mlflow:
        out.append("mlflow: not started with --app-name basic-auth")
    if re.search(r"allowed-hosts\s+['\"]?\*", mlflow):
        out.append("mlflow: --allowed-hosts '*'")
    t_env = services.get("temporal", {}).get("environment", {})
    if str(t_env.get("TEMPORAL_TLS_REQUIRE_CLIENT_AUTH", "")).lower() != "true":
        out.append("temporal: client certificates are not required (TEMPORAL_TLS_REQUIRE_CLIENT_AUTH)")
    for w in ("control-worker", "training-worker"):
        env = services.get(w, {}).get("environment", {})
        if env.get("FORESIGHT_METRICS_IP") != "0.0.0.0":
            out.append(f"{w}: metrics not bound to 0.0.0.0 inside the container (Prometheus cannot scrape)")
        if not env.get("FORESIGHT_TEMPORAL_TLS_CERT"):
            out.append(f"{w}: no client certificate for Temporal")
    cw = services.get("control-worker", {})
    rules = cw.get("environment", {}).get("FORESIGHT_RULES_DIR")
    if not rules or not any(str(v).split(":")[1:2] == [rules] or f":{rules}:" in str(v) or str(v).endswith(f":{rules}")
                            for v in cw.get("volumes", [])):
        out.append("control-worker: FORESIGHT_RULES_DIR does not name the mounted rules folder")
    return out


def main():
    rendered = yaml.safe_load(sys.stdin)
    with open(sys.argv[1] if len(sys.argv) > 1 else "docker-compose.yml") as f:
        raw = yaml.safe_load(f)
    found = breaches(rendered, raw)
    for b in found:
        print("compose: " + b)
    if found:
        sys.exit(1)
    print("compose: follows the deployment rules (restart, healthchecks, loopback ports, env-file secrets, auth)")


if __name__ == "__main__":
    main()
