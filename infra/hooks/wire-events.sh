#!/bin/sh
# azd postdeploy hook: once the function code is deployed, provision again with the Event Grid subscription and the
# Activity Log alert (both need the deployed functions). Idempotent: does nothing when already wired.
set -eu
if [ "${DEPLOY_EVENT_WIRING:-false}" = "true" ]; then
  echo "Event wiring already deployed (DEPLOY_EVENT_WIRING=true)."
  exit 0
fi
echo "Function code deployed; provisioning the Event Grid subscription and Activity Log alert..."
azd env set DEPLOY_EVENT_WIRING true
azd provision --no-prompt
