#!/usr/bin/env bash
# Vendor the dashboard's front-end files from the npm registry (no CDN at run time).
# Each package is pinned by version and checked against the registry's sha512
# integrity before a file is copied into src/redline/web/static/vendor/.
# Usage: scripts/vendor-js.sh   (re-run after changing a pin below; commit the result)
set -euo pipefail
cd "$(dirname "$0")/.."
DEST=src/redline/web/static/vendor
REGISTRY=${NPM_REGISTRY:-https://registry.npmjs.org}
mkdir -p "$DEST"
TMP=$(mktemp -d); trap 'rm -rf "$TMP"' EXIT

# package version integrity file-in-tarball dest-name
vendor() {
  local pkg=$1 version=$2 integrity=$3 path=$4 name=$5
  local tgz="$TMP/$pkg-$version.tgz"
  curl -fsSL "$REGISTRY/$pkg/-/$pkg-$version.tgz" -o "$tgz"
  local got="sha512-$(openssl dgst -sha512 -binary "$tgz" | base64 -w0)"
  if [[ "$got" != "$integrity" ]]; then
    echo "integrity mismatch for $pkg@$version: $got" >&2
    exit 1
  fi
  tar -xzf "$tgz" -C "$TMP" "package/$path"
  cp "$TMP/package/$path" "$DEST/$name"
  tar -xzf "$tgz" -C "$TMP" package/LICENSE 2>/dev/null && cp "$TMP/package/LICENSE" "$DEST/$name.LICENSE" || true
  echo "$pkg@$version $path -> $DEST/$name"
}

vendor echarts 6.1.0 \
  "sha512-q0yaFPggC9FUdsWH4blavRWFmxdrIodbkoKNAjJudAI6CA9gNPxHtV2RcZNEepZVlk4yvBYkOkbk6HIVpIyHZA==" \
  dist/echarts.min.js echarts.min.js
