#!/bin/sh
# azd postdeploy hook: (1) wire the events (wire-events.sh: the Event Grid subscription and the Activity Log alert need
# the deployed functions); (2) the smoke check: the deployed app runs `remediator doctor` itself — with its managed
# identity and its real app settings — and this prints its ✔/✖ checklist (`remediator doctor --remote`: your azd login
# only finds the app and its function key). A ✖ fails the hook with the fix for each. Skip it with
# `azd env set REMEDIATOR_SMOKE_CHECK false`.
set -eu
here=$(dirname "$0")
"$here/wire-events.sh"
if [ "${REMEDIATOR_SMOKE_CHECK:-true}" = "false" ]; then
  echo "Smoke check skipped (REMEDIATOR_SMOKE_CHECK=false)."
  exit 0
fi
echo "Smoke check: the deployed remediator checks its own identity, RBAC, Event Grid wiring, storage and settings..."
if ! node "$here/../../bin/remediator.js" doctor --remote --expect-mode "${REMEDIATOR_MODE:-dry-run}"; then
  echo "The smoke check found a problem: fix each ✖ above, then run \`npx remediator doctor --remote\` again." >&2
  exit 1
fi
