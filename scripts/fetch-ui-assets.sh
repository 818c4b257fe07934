#!/usr/bin/env bash
# Fetches the third-party front-end files of the web UI from the npm registry and
# copies them, each with its license, into crates/cadre-web/assets/vendor. The
# fetched files are committed: builds embed them and need no network. Run this
# only to bump a version (edit the pins below), then review the diff and rerun
# the browser tests (`cargo test -p cadre --test e2e`).
#
#   scripts/fetch-ui-assets.sh           # fetch the pinned versions
#   scripts/fetch-ui-assets.sh --check   # verify the committed files match the pins
#
# Needs npm; `npm pack` checks each tarball against the registry's integrity hash.
set -euo pipefail

# Pinned versions. htmx stays on 2.x: the SSE extension below targets it.
HTMX_VERSION=2.0.11
HTMX_SSE_VERSION=2.2.4
SORTABLE_VERSION=1.15.7

root=$(cd "$(dirname "$0")/.." && pwd)
vendor=$root/crates/cadre-web/assets/vendor
check=false
if [[ ${1:-} == --check ]]; then
  check=true
fi

if ! command -v npm >/dev/null; then
  echo "fetch-ui-assets: npm is needed (install Node.js)" >&2
  exit 1
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# unpack PACKAGE VERSION: npm pack PACKAGE@VERSION into $work/PACKAGE.
unpack() {
  local name=$1 version=$2 dest=$work/$1
  mkdir -p "$dest"
  (cd "$dest" && npm pack --silent "$name@$version" >/dev/null)
  tar -xzf "$dest"/*.tgz -C "$dest"
}

# place PACKAGE DIR FILE...: copies FILEs (paths inside the package) and its
# LICENSE into $vendor/DIR, or compares them when checking.
place() {
  local name=$1 dir=$2
  shift 2
  local src=$work/$name/package out=$vendor/$dir
  mkdir -p "$out"
  for file in "$@" LICENSE; do
    if $check; then
      if ! cmp -s "$src/$file" "$out/$(basename "$file")"; then
        echo "fetch-ui-assets: $dir/$(basename "$file") differs from $name's npm package" >&2
        exit 1
      fi
    else
      cp "$src/$file" "$out/$(basename "$file")"
    fi
  done
}

unpack htmx.org "$HTMX_VERSION"
unpack htmx-ext-sse "$HTMX_SSE_VERSION"
unpack sortablejs "$SORTABLE_VERSION"

place htmx.org htmx dist/htmx.min.js
place htmx-ext-sse htmx-ext-sse dist/sse.js
place sortablejs sortablejs Sortable.min.js

if $check; then
  echo "fetch-ui-assets: vendored files match the pinned versions"
  exit 0
fi

{
  echo "# Vendored front-end libraries"
  echo
  echo "Fetched from the npm registry by \`scripts/fetch-ui-assets.sh\`; do not edit by"
  echo "hand. Each directory keeps the package's own LICENSE. The files are embedded"
  echo "in the cadre binary and served under \`/assets/\`."
  echo
  echo "| package | version | license | files (sha256) |"
  echo "| --- | --- | --- | --- |"
  for entry in "htmx.org $HTMX_VERSION htmx" "htmx-ext-sse $HTMX_SSE_VERSION htmx-ext-sse" "sortablejs $SORTABLE_VERSION sortablejs"; do
    read -r name version dir <<<"$entry"
    # Some packages name no license in package.json; their LICENSE's title does.
    license=$(node -e "process.stdout.write(require('$work/$name/package/package.json').license || '')")
    license=${license:-$(head -n1 "$vendor/$dir/LICENSE")}
    files=""
    for f in "$vendor/$dir"/*; do
      [[ $(basename "$f") == LICENSE ]] && continue
      files+="\`$dir/$(basename "$f")\` $(sha256sum "$f" | cut -c1-16)… "
    done
    echo "| $name | $version | $license | $files|"
  done
} >"$vendor/VENDORED.md"

echo "fetch-ui-assets: vendored htmx $HTMX_VERSION, htmx-ext-sse $HTMX_SSE_VERSION, sortablejs $SORTABLE_VERSION"
