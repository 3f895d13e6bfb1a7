#!/bin/sh
# Builds govc (VMware's CLI) from Debian's govmomi source package into <repo>/.tools/bin/govc,
# the second vSphere client of the tests. Does nothing when the binary is there.
# Debian ships govc's source only in the source package, so this downloads it with a private
# deb-src list (no change to the machine's apt configuration), then builds in GOPATH mode over
# Debian's Go libraries (golang-github-vmware-govmomi-dev, golang-github-kr-pretty-dev).
# govc imports govmomi's internal packages, which Go allows only inside one GOPATH root, so
# the build tree holds the source package's govmomi in full (about 60 s from a clean Go cache).
set -eu
repo=$(cd "$(dirname "$0")/.." && pwd)
out="$repo/.tools/bin/govc"
[ -x "$out" ] && exit 0
command -v go >/dev/null 2>&1 || { echo "govc build: 'go' not found; install golang-go" >&2; exit 2; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/apt/lists/partial" "$work/apt/etc" "$work/src"
. /etc/os-release
cat >"$work/apt/etc/src.sources" <<EOF
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: ${VERSION_CODENAME:-bookworm}
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
apt_opts="-o Dir::Etc::SourceList=/dev/null -o Dir::Etc::SourceParts=$work/apt/etc -o Dir::State::Lists=$work/apt/lists -o Debug::NoLocking=1"
echo "govc build: fetching Debian's golang-github-vmware-govmomi source" >&2
# shellcheck disable=SC2086
apt-get $apt_opts -qq update >/dev/null
# shellcheck disable=SC2086
(cd "$work/src" && apt-get $apt_opts -qq source --download-only golang-github-vmware-govmomi >/dev/null 2>&1)
tar -C "$work/src" -xf "$work"/src/golang-github-vmware-govmomi_*.orig.tar.*
tree="$work/gopath/src/github.com/vmware"
mkdir -p "$tree"
mv "$work"/src/govmomi-*/ "$tree/govmomi"

echo "govc build: building $out (GOPATH mode)" >&2
mkdir -p "$repo/.tools/bin"
(cd "$tree/govmomi/govc" && GO111MODULE=off GOPATH="$work/gopath:/usr/share/gocode" GOFLAGS= go build -o "$out.tmp" .)
mv "$out.tmp" "$out"
