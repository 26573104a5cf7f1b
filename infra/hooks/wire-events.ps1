# azd postdeploy hook (Windows): see wire-events.sh.
$ErrorActionPreference = 'Stop'
if ($env:DEPLOY_EVENT_WIRING -eq 'true') {
  Write-Host 'Event wiring already deployed (DEPLOY_EVENT_WIRING=true).'
  exit 0
}
Write-Host 'Function code deployed; provisioning the Event Grid subscription and Activity Log alert...'
azd env set DEPLOY_EVENT_WIRING true
azd provision --no-prompt
if ($LASTEXITCODE -ne 0) { exit $LASTEXITCODE }
