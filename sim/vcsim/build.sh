#!/bin/sh
# Builds the vcsim launcher (GOPATH mode, against Debian's golang-github-vmware-govmomi-dev) into
# the user's cache folder, named by a hash of the Go sources (launch.ts computes the same name);
# does nothing when that binary exists. Needs the Debian packages golang-go and
# golang-github-vmware-govmomi-dev. `build.sh test` also runs the launcher's Go tests (go vet +
# go test; about 10 s more); `build.sh path` prints where the binary goes and exits.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
gocode=${VCSIM_GOPATH:-/usr/share/gocode}
cache=${APPLAYERING_CACHE_DIR:-}
if [ -z "$cache" ]; then
  case "${XDG_CACHE_HOME:-}" in
    /*) cache="$XDG_CACHE_HOME/pulumi-applayering" ;;
    *) cache="$HOME/.cache/pulumi-applayering" ;;
  esac
fi
hash=$(cd "$here" && for f in $(LC_ALL=C ls *.go | grep -v '_test\.go$'); do printf '%s\n' "$f"; cat "$f"; done | sha256sum | cut -c1-16)
out=${VCSIM_LAUNCHER:-"$cache/vcsim-launcher-$hash"}
if [ "${1:-}" = "path" ]; then echo "$out"; exit 0; fi

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

[ -x "$out" ] && exit 0

mkdir -p "$(dirname "$out")"
echo "vcsim build: building $out (GOPATH mode; about 20 s from a clean Go cache)" >&2
# A private temporary name, then an atomic rename: concurrent builds never see half a binary.
go build -o "$out.$$.tmp" .
mv "$out.$$.tmp" "$out"
