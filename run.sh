#!/usr/bin/env bash
# Runs Resso Functions locally: Azurite (unless AzureWebJobsStorage points elsewhere) and the
# self-host on http://127.0.0.1:7071, seeded with demo traffic when storage is empty
# (RESSO_DEMO_EVENTS events, default 20000; 0 skips it). Ctrl+C stops everything.
set -euo pipefail
cd "$(dirname "$0")"

log() { printf '\033[1m[run]\033[0m %s\n' "$*"; }

if [ ! -x node_modules/.bin/azurite ]; then
  log "installing Azurite (npm ci)…"
  npm ci --no-audit --no-fund --loglevel=error
fi

# A setting as the self-host reads it: environment first, then local.settings.json, then the sample.
setting() {
  node -e '
    const fs = require("fs");
    for (const f of ["local.settings.json", "local.settings.sample.json"]) {
      if (fs.existsSync(f)) { process.stdout.write(String((JSON.parse(fs.readFileSync(f, "utf8")).Values || {})[process.argv[1]] || "")); break; }
    }' "$1"
}
storage="${AzureWebJobsStorage:-$(setting AzureWebJobsStorage)}"
key="${Resso__Api__Keys:-$(setting Resso__Api__Keys)}"
key="${key%%,*}"
demo_events="${RESSO_DEMO_EVENTS:-20000}"

pids=()
cleanup() {
  trap - EXIT INT TERM
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  log "stopped."
}
trap cleanup EXIT INT TERM

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

if [ "$storage" = "UseDevelopmentStorage=true" ]; then
  if port_open 10000 && port_open 10001 && port_open 10002; then
    log "Azurite is already listening on 127.0.0.1:10000-10002; using it."
  else
    mkdir -p .azurite
    log "starting Azurite on 127.0.0.1:10000-10002 (data in .azurite/, log in .azurite/azurite.log)…"
    node_modules/.bin/azurite --location .azurite --blobHost 127.0.0.1 --queueHost 127.0.0.1 --tableHost 127.0.0.1 \
      --skipApiVersionCheck --disableTelemetry --silent --debug .azurite/azurite.log >/dev/null 2>&1 &
    pids+=("$!")
    for _ in $(seq 1 100); do
      port_open 10000 && port_open 10001 && port_open 10002 && break
      sleep 0.1
    done
    port_open 10002 || { log "Azurite did not start; see .azurite/azurite.log"; exit 1; }
  fi
else
  log "AzureWebJobsStorage points at another account; not starting Azurite."
fi

export ASPNETCORE_ENVIRONMENT="${ASPNETCORE_ENVIRONMENT:-Development}"
export AZURE_FUNCTIONS_ENVIRONMENT="${AZURE_FUNCTIONS_ENVIRONMENT:-Development}"
log "building the self-host and the traffic generator…"
dotnet build functions/Resso.Functions.SelfHost -c Release --nologo -v quiet -clp:NoSummary
dotnet build tools/Resso.Traffic -c Release --nologo -v quiet -clp:NoSummary

# Demo data: once the self-host answers, the generator posts realistic traffic if storage is empty.
if [ "$demo_events" -gt 0 ] 2>/dev/null; then
  (
    for _ in $(seq 1 120); do
      node -e 'require("http").get("http://127.0.0.1:7071/api/health", r => process.exit(r.statusCode === 200 ? 0 : 1)).on("error", () => process.exit(1))' && break
      sleep 0.5
    done
    # exec: this background job becomes the generator, so the trap's TERM reaches it.
    exec dotnet tools/Resso.Traffic/bin/Release/net10.0/Resso.Traffic.dll --url http://127.0.0.1:7071 --key "$key" \
      --if-empty --catalog --events "$demo_events"
  ) &
  pids+=("$!")
fi
# In the foreground, so that Ctrl+C reaches it directly and it shuts down gracefully; the trap
# then stops Azurite.
log "starting the self-host…"
dotnet functions/Resso.Functions.SelfHost/bin/Release/net10.0/Resso.Functions.SelfHost.dll "$@"
