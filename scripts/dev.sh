#!/usr/bin/env bash
# Makes a fresh Debian machine ready for this project, then runs the command given.
#   bash scripts/dev.sh npm test        the tests
#   bash scripts/dev.sh npm run demo    the example stack against the embedded simulators
# Idempotent and quick when everything is already there: it installs only what is missing.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
say() { printf '[setup] %s\n' "$*" >&2; }

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
    say "need root for: $*"; exit 1
  fi
}

# 1. Debian packages: vcsim and govc (govmomi built with Go), Samba's smbd and smbclient, impacket's
#    SMB server, openssl, curl, qemu-img.
need=()
command -v go >/dev/null || need+=(golang-go)
[ -d /usr/share/gocode/src/github.com/vmware/govmomi ] || need+=(golang-github-vmware-govmomi-dev)
[ -d /usr/share/gocode/src/github.com/kr/pretty ] || need+=(golang-github-kr-pretty-dev)  # govc's one extra library
command -v smbd >/dev/null || need+=(samba)
command -v smbclient >/dev/null || need+=(smbclient)
/usr/bin/python3 -c 'import impacket' 2>/dev/null || need+=(python3-impacket)  # the second SMB server of the tests
command -v openssl >/dev/null || need+=(openssl)
command -v curl >/dev/null || need+=(curl)
command -v qemu-img >/dev/null || need+=(qemu-utils)  # a second opinion on VMDKs: the launcher's, and what ovf inspect reads
command -v npm >/dev/null || need+=(nodejs npm)
if [ ${#need[@]} -gt 0 ]; then
  say "installing Debian packages: ${need[*]}"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

# 2. Node >= 22 (what @pulumi/pulumi requires). The npm registry's `node` package brings one.
node_major() { node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }
if [ "$(node_major)" -lt 22 ]; then
  if [ ! -x .tools/node_modules/.bin/node ]; then
    say "installing Node 22 into .tools/ (system node is $(node --version 2>/dev/null || echo none))"
    npm install --prefix .tools --no-audit --no-fund --loglevel=error node@22 >/dev/null
  fi
  export PATH="$root/.tools/node_modules/.bin:$PATH"
fi
say "node $(node --version)"

# 3. npm dependencies, exactly as locked; again only when the lock file changed.
if [ ! -f node_modules/.ci-stamp ] || [ package-lock.json -nt node_modules/.ci-stamp ]; then
  say "npm ci"
  npm ci --no-audit --no-fund --loglevel=error >/dev/null
  touch node_modules/.ci-stamp
fi

# 4. Builds: TypeScript, and the vcsim launcher (cached in ~/.cache/pulumi-applayering).
say "building"
npx tsc -p tsconfig.json
sh sim/vcsim/build.sh
sh scripts/build-govc.sh  # govc, the tests' second vSphere client (cached in .tools/bin)
# Programs and the provider host resolve `pulumi-applayering` from node_modules: link this checkout.
node -e 'require("./dist/tests/setup/linkPackage").default()'


export PATH="$root/node_modules/.bin:$PATH"
exec "$@"
