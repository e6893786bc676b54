#!/usr/bin/env bash
# Run the whole pytest suite. pytest's exit code 5 ("no tests collected") is a failure here:
# a suite that runs nothing must never pass silently.
set -uo pipefail
python_bin="${1:-python3}"
shift || true
"$python_bin" -m pytest "$@"
rc=$?
if [ "$rc" -eq 5 ]; then
  echo "run_pytest: pytest collected no tests — treating as a failure" >&2
  exit 1
fi
exit "$rc"
