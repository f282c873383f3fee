#!/usr/bin/env bash
# The image check: build deploy/Dockerfile with podman, with no Docker Hub (the base image is made
# here with mmdebstrap from this machine's Debian sources, plus its Node 20, npm and user `node`),
# then run the images and check them (scripts/image-check.ts): probes, HEALTHCHECK, a request
# through Redis, SIGTERM, Claude Code's sandbox with the shipped settings and without, the slim
# variant. .ci/run calls it after the tests. Under CI=true it installs what it needs; elsewhere
# it skips, saying what to install, when a tool is missing.
#
# Everything it makes (podman storage and configuration, images, containers) lives in one
# temporary directory, removed on exit whatever happens. Only the base image's tarball is kept,
# in $WINK_IMAGE_CACHE (default /var/cache/wink-image-check), under a key made of everything it
# is built from: the Debian sources, the Node binary, the npm version, this recipe and the ISO
# week (so Debian's updates reach it within a week).
set -euo pipefail
cd "$(dirname "$0")/.."

TOOLS=(podman runc mmdebstrap)
missing=()
for tool in "${TOOLS[@]}"; do command -v "$tool" >/dev/null 2>&1 || missing+=("$tool"); done
if [ "${#missing[@]}" -gt 0 ]; then
  if [ "${CI:-}" != "true" ]; then
    echo "image-check: skipped: ${missing[*]} not installed (apt-get install podman runc mmdebstrap)"
    exit 0
  fi
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# Others share this machine's two cores: everything below (builds, containers) runs at nice 10.
renice -n 10 -p $$ >/dev/null
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f s", b - a }'; }
START=$(now)
RUN_ID="$$-$(date +%s)"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/wink-image-check.XXXXXX")

cleanup() {
  set +e
  # --all means all of $WORK's storage only; never run it before that storage is the one in use.
  if [ "${CONTAINERS_STORAGE_CONF:-}" = "$WORK/storage.conf" ]; then
    podman rm --all --force --time 0 >/dev/null 2>&1
    podman rmi --all --force >/dev/null 2>&1
  fi
  # A mount left behind (an interrupted build) would stop rm -rf half-way.
  findmnt -rn -o TARGET | grep "^$WORK/" | sort -r | xargs -r -n1 umount -l 2>/dev/null
  rm -rf "$WORK"
}
trap cleanup EXIT

# Podman confined to $WORK: its own storage, runtime state and configuration, so the check
# neither sees nor touches anyone else's containers or images. runc, because crun fails on this
# machine kind (rlimits, hybrid cgroups); lower default ulimits for the same reason.
cat >"$WORK/containers.conf" <<EOF
[containers]
default_ulimits = ["nofile=20000:20000", "nproc=32768:32768"]
[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
events_logfile_path = "$WORK/events.log"
tmp_dir = "$WORK/libpod"
EOF
cat >"$WORK/storage.conf" <<EOF
[storage]
driver = "overlay"
graphroot = "$WORK/storage"
runroot = "$WORK/run"
EOF
export CONTAINERS_CONF="$WORK/containers.conf" CONTAINERS_STORAGE_CONF="$WORK/storage.conf"

# --- The base image: Debian minbase + this machine's Node 20 and npm + user node (uid 1000). ---
SOURCES=/etc/apt/sources.list.d/debian.sources
[ -f "$SOURCES" ] || SOURCES=/etc/apt/sources.list
SUITE=$(. /etc/os-release && echo "$VERSION_CODENAME")
export WINK_NODE WINK_NPM
WINK_NODE=$(readlink -f "$(command -v node)")
WINK_NPM="$(npm root -g)/npm"

# The hooks are expanded by mmdebstrap's shell, with the chroot as $1: hence single quotes.
# shellcheck disable=SC2016
build_base() {
  mmdebstrap --quiet --variant=minbase --mode=root --format=tar \
    --customize-hook='mkdir -p "$1/usr/local/lib/node_modules" && cp "$WINK_NODE" "$1/usr/local/bin/node"' \
    --customize-hook='cp -a "$WINK_NPM" "$1/usr/local/lib/node_modules/npm"' \
    --customize-hook='ln -s ../lib/node_modules/npm/bin/npm-cli.js "$1/usr/local/bin/npm"' \
    --customize-hook='ln -s ../lib/node_modules/npm/bin/npx-cli.js "$1/usr/local/bin/npx"' \
    --customize-hook='echo "node:x:1000:1000::/home/node:/bin/bash" >>"$1/etc/passwd"' \
    --customize-hook='echo "node:x:1000:" >>"$1/etc/group" && echo "node:*:19000:0:99999:7:::" >>"$1/etc/shadow"' \
    --customize-hook='mkdir -p "$1/home/node" && chown 1000:1000 "$1/home/node"' \
    "$SUITE" "$1" "$SOURCES" </dev/null
}

KEY=$({
  cat "$SOURCES"
  sha256sum "$WINK_NODE"
  npm --version
  declare -f build_base
  date +%G-W%V
} | sha256sum | cut -c1-16)
CACHE=${WINK_IMAGE_CACHE:-/var/cache/wink-image-check}
BASE_TAR="$CACHE/base-$KEY.tar"
t=$(now)
if [ -s "$BASE_TAR" ]; then
  BASE_FROM=$BASE_TAR BASE_HOW="from the cache ($BASE_TAR)"
else
  build_base "$WORK/base.tar"
  BASE_FROM="$WORK/base.tar" BASE_HOW="built"
fi
BASE_IMAGE="localhost/wink-node-base:$KEY"
podman import --quiet --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  --change 'CMD ["node"]' "$BASE_FROM" "$BASE_IMAGE" >/dev/null
if [ "$BASE_HOW" = "built" ]; then
  # Keep one base only. Copy, then rename within the cache: a run cut short, or another run
  # reading the cache, never sees half a tarball.
  mkdir -p "$CACHE"
  find "$CACHE" -maxdepth 1 -name 'base-*.tar' ! -name "base-$KEY.tar" -delete
  cp "$WORK/base.tar" "$CACHE/.base-$KEY.tar.$$" && mv "$CACHE/.base-$KEY.tar.$$" "$BASE_TAR"
fi
T_BASE="$(since "$t"), $BASE_HOW"

# --- The images: deploy/Dockerfile as it is, and its slim variant. ---
# npm inside the build may need this machine's extra CA certificates (a TLS-inspecting proxy):
# a build secret, mounted only while npm runs, never stored in the image.
build_args=(--format docker --network host --build-arg "NODE_IMAGE=$BASE_IMAGE")
CA=${NODE_EXTRA_CA_CERTS:-/etc/ssl/certs/ca-certificates.crt}
[ -r "$CA" ] && build_args+=(--secret "id=build_ca,src=$CA")
IMAGE="localhost/wink-agent:check-$RUN_ID"
SLIM="localhost/wink-agent:check-$RUN_ID-slim"
PEERS=$(sed -n 's/^ARG RUNTIME_PEERS="\(.*\)"$/\1/p' deploy/Dockerfile)
SLIM_PEERS=$(echo "$PEERS" | sed 's#@anthropic-ai/claude-agent-sdk##; s/  */ /g')

t=$(now)
podman build "${build_args[@]}" -f deploy/Dockerfile -t "$IMAGE" . >"$WORK/build.log" 2>&1 ||
  { tail -40 "$WORK/build.log"; exit 1; }
T_IMAGE=$(since "$t")
if grep -q "EBADENGINE" "$WORK/build.log"; then
  grep -A4 "EBADENGINE" "$WORK/build.log"
  echo "image-check: npm warned about engines in the image build (see above)." >&2
  exit 1
fi
t=$(now)
podman build "${build_args[@]}" --build-arg "RUNTIME_PEERS=$SLIM_PEERS" -f deploy/Dockerfile -t "$SLIM" . \
  >"$WORK/build-slim.log" 2>&1 || { tail -40 "$WORK/build-slim.log"; exit 1; }
T_SLIM=$(since "$t")

t=$(now)
npx tsx --conditions=wink-source scripts/image-check.ts --image "$IMAGE" --slim "$SLIM" \
  --profile deploy/seccomp/claude-code-sandbox.json --id "$RUN_ID"
T_CHECKS=$(since "$t")

echo "image-check: passed in $(since "$START"): base $T_BASE; default image build $T_IMAGE;" \
  "slim build $T_SLIM (layers shared with the default); checks $T_CHECKS"
