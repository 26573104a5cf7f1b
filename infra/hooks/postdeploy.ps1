# azd postdeploy hook (Windows): see postdeploy.sh — wire the events, then the smoke check (`remediator doctor --remote`).
$ErrorActionPreference = 'Stop'
& "$PSScriptRoot/wire-events.ps1"
if ($LASTEXITCODE -ne 0) { exit $LASTEXITCODE }
if ($env:REMEDIATOR_SMOKE_CHECK -eq 'false') {
  Write-Host 'Smoke check skipped (REMEDIATOR_SMOKE_CHECK=false).'
  exit 0
}
Write-Host 'Smoke check: the deployed remediator checks its own identity, RBAC, Event Grid wiring, storage and settings...'
$mode = if ($env:REMEDIATOR_MODE) { $env:REMEDIATOR_MODE } else { 'dry-run' }
node "$PSScriptRoot/../../bin/remediator.js" doctor --remote --expect-mode $mode
if ($LASTEXITCODE -ne 0) {
  Write-Error 'The smoke check found a problem: fix each ✖ above, then run `npx remediator doctor --remote` again.'
  exit 1
}
