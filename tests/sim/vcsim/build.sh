#!/bin/sh
# Builds the vcsim launcher into <repo>/.tools/bin/vcsim-launcher (GOPATH mode, against
# Debian's golang-github-vmware-govmomi-dev); does nothing when the binary is newer than
# every Go source here. Needs the Debian packages golang-go and golang-github-vmware-govmomi-dev.
# `build.sh test` also runs the launcher's Go tests (go vet + go test; about 10 s more).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../../.." && pwd)
out="$repo/.tools/bin/vcsim-launcher"
gocode=${VCSIM_GOPATH:-/usr/share/gocode}

if ! command -v go >/dev/null 2>&1; then
  echo "vcsim build: 'go' not found; install the Debian package golang-go (apt-get install golang-go)" >&2
  exit 2
fi
if [ ! -d "$gocode/src/github.com/vmware/govmomi/simulator" ]; then
  echo "vcsim build: govmomi sources not found under $gocode/src/github.com/vmware/govmomi;" \
       "install the Debian package golang-github-vmware-govmomi-dev (or set VCSIM_GOPATH)" >&2
  exit 2
fi

export GO111MODULE=off GOPATH="$gocode" GOFLAGS=
cd "$here"

if [ "${1:-}" = "test" ]; then
  go vet . && go test -count=1 .
fi

if [ -x "$out" ] && [ -z "$(find "$here" -name '*.go' ! -name '*_test.go' -newer "$out" | head -n 1)" ]; then
  exit 0
fi

mkdir -p "$repo/.tools/bin"
echo "vcsim build: building $out (GOPATH mode; about 20 s from a clean Go cache)" >&2
go build -o "$out.tmp" .
mv "$out.tmp" "$out"
