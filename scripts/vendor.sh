#!/usr/bin/env bash
# Copy the front-end libraries installed by `npm ci` (package-lock.json) into static/vendor/.
# The copies are committed, so that users and CI need no Node. Run through `make vendor`.
set -euo pipefail
cd "$(dirname "$0")/.."
src=node_modules
dst=src/samtrygg/static/vendor
rm -rf "$dst"
mkdir -p "$dst"/{htmx,leaflet/images,leaflet.markercluster,leaflet.heat,chart.js}
cp "$src/htmx.org/dist/htmx.min.js" "$src/htmx.org/LICENSE" "$dst/htmx/"
cp "$src/leaflet/dist/leaflet.js" "$src/leaflet/dist/leaflet.css" "$src/leaflet/LICENSE" "$dst/leaflet/"
cp "$src/leaflet/dist/images/"*.png "$dst/leaflet/images/"
cp "$src/leaflet.markercluster/dist/leaflet.markercluster.js" \
   "$src/leaflet.markercluster/dist/MarkerCluster.css" \
   "$src/leaflet.markercluster/dist/MarkerCluster.Default.css" \
   "$src/leaflet.markercluster/MIT-LICENCE.txt" "$dst/leaflet.markercluster/"
cp "$src/leaflet.heat/dist/leaflet-heat.js" "$dst/leaflet.heat/"
cp "$src/leaflet.heat/LICENSE" "$dst/leaflet.heat/" 2>/dev/null || \
  printf 'leaflet.heat %s, (c) 2014 Vladimir Agafonkin, BSD-2-Clause (see its package.json)\n' \
    "$(node -p "require('./$src/leaflet.heat/package.json').version")" > "$dst/leaflet.heat/LICENSE"
cp "$src/chart.js/dist/chart.umd.min.js" "$src/chart.js/LICENSE.md" "$dst/chart.js/"
# Source maps are not shipped: drop the references, which static file hashing would follow.
find "$dst" -type f -name '*.js' -exec sed -i -E 's@//# sourceMappingURL=[^ ]*$@@' {} +
# Record exactly what was vendored.
node -e '
const lock = require("./package-lock.json");
const out = Object.entries(lock.packages).filter(([k]) => k.startsWith("node_modules/"))
  .map(([k, v]) => `${k.slice(13)} ${v.version} ${v.license || ""}`).join("\n");
console.log(out);' > "$dst/VERSIONS.txt"
echo "Vendored into $dst:"; cat "$dst/VERSIONS.txt"
