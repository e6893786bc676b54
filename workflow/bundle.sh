#!/usr/bin/env bash
# Prepare this folder for `td wf push`: build the package wheel and copy the dbt project and the
# pinned constraints into workflow/bundle/ (ignored by git). Run from anywhere.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/.." && pwd)"
python_bin="${PYTHON:-$root/.venv/bin/python}"
rm -rf "$here/bundle"
mkdir -p "$here/bundle/project"
"$python_bin" -m pip wheel --quiet --no-deps --wheel-dir "$here/bundle" "$root"
cp "$root/constraints.txt" "$here/bundle/constraints.txt"
for item in dbt_project.yml profiles.yml.example macros models snapshots seeds analyses tests/dbt; do
  if [ -e "$root/$item" ]; then
    mkdir -p "$here/bundle/project/$(dirname "$item")"
    cp -R "$root/$item" "$here/bundle/project/$item"
  fi
done
echo "bundle ready in $here/bundle; now: cd $here && td wf push segment_analytics"
