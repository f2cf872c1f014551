#!/usr/bin/env bash
# Builds a real kube-apiserver from the Go module proxy (module k8s.io/kubernetes with its staging modules
# pinned to their published versions) and caches it, so KubernetesApiServerIT can run the Kubernetes actuator
# against the real API server on a local etcd (Debian etcd-server). Prints the binary's path.
#
#   scripts/kube-apiserver.sh [K8S_VERSION]   (default 1.31.4; cache: .foresight/cache/kube-apiserver/VERSION/)
#
# k8s.io/kubernetes replaces its k8s.io/* staging modules with folders of its own tree, so `go install ...@v`
# refuses it; a throwaway module that requires it and maps each staging module to its published v0.X.Y builds.
set -euo pipefail
V=${1:-1.31.4}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT="$ROOT/.foresight/cache/kube-apiserver/$V"
BIN="$OUT/kube-apiserver"
if [ -x "$BIN" ]; then echo "$BIN"; exit 0; fi
command -v go >/dev/null || { echo "kube-apiserver.sh: go is not installed. Fix: install Go 1.22+" >&2; exit 2; }
mkdir -p "$OUT/mod"
cd "$OUT/mod"
MINOR=0.${V#1.}
cat > go.mod <<MOD
module foresight.local/kubeapiserver

go 1.22

require k8s.io/kubernetes v$V
MOD
# the staging modules k8s.io/kubernetes replaces with ./staging/src/k8s.io/X, pinned to their release v0.Y.Z
GOMOD=$(go mod download -json "k8s.io/kubernetes@v$V" | sed -n 's/.*"GoMod": "\(.*\)".*/\1/p')
for m in $(sed -n 's#^[[:space:]]*\(k8s.io/[a-z0-9-]*\) => ./staging/.*#\1#p' "$GOMOD"); do
  echo "replace $m => $m v$MINOR" >> go.mod
done
# kube-apiserver's own main (cmd/kube-apiserver/apiserver.go)
cat > main.go <<'GO'
package main

import (
	"os"
	_ "time/tzdata"

	"k8s.io/component-base/cli"
	_ "k8s.io/component-base/logs/json/register"
	_ "k8s.io/component-base/metrics/prometheus/clientgo"
	_ "k8s.io/component-base/metrics/prometheus/version"
	"k8s.io/kubernetes/cmd/kube-apiserver/app"
)

func main() {
	os.Exit(cli.Run(app.NewAPIServerCommand()))
}
GO
go mod tidy >/dev/null
CGO_ENABLED=0 go build -trimpath -ldflags='-s -w' -o "$BIN" .
echo "$BIN"
