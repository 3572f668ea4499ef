#!/usr/bin/env bash
# Runs Resso Functions locally: Azurite (unless AzureWebJobsStorage points elsewhere) and the
# self-host on http://127.0.0.1:7071 (or --urls / ASPNETCORE_URLS), with demo data when storage is
# empty (RESSO_DEMO_EVENTS events, default 20000; 0 skips seeding). When the demo is ready (events
# counted, a model published, the catalog rolled up) it prints the URLs and requests to try.
# Ctrl+C, or SIGINT/SIGTERM to this script's PID, stops everything it started.
set -euo pipefail
cd "$(dirname "$0")"

if [ -t 1 ]; then tag=$'\033[1m[run]\033[0m'; else tag='[run]'; fi
log() { printf '%s %s\n' "$tag" "$*"; }
die() { printf '%s %s\n' "$tag" "$*" >&2; exit 2; }

# --- what to start -------------------------------------------------------------------------------
# The self-host's address: --urls (last one wins, as for the self-host), else ASPNETCORE_URLS.
urls="${ASPNETCORE_URLS:-http://127.0.0.1:7071}"
args=("$@")
for ((i = 0; i < ${#args[@]}; i++)); do
  case "${args[i]}" in
    --urls=*) urls="${args[i]#--urls=}" ;;
    --urls) [ $((i + 1)) -lt ${#args[@]} ] || die "--urls needs an address, e.g. ./run.sh --urls http://127.0.0.1:8080"; urls="${args[i + 1]}" ;;
  esac
done
url="${urls%%;*}"
[[ "$url" =~ ^https?://([^/:]+|\[[^]]+\]):([0-9]+)/?$ ]] ||
  die "--urls/ASPNETCORE_URLS: '$url' is not an address with a port like http://127.0.0.1:8080"
host="${BASH_REMATCH[1]}" port="${BASH_REMATCH[2]}"
# Where this machine reaches it: a wildcard host listens on loopback too.
case "$host" in '*' | '+' | 0.0.0.0 | '[::]') host=127.0.0.1 ;; esac
[ "$host" = localhost ] && host=127.0.0.1
base="${url%%://*}://$host:$port"

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
if [ "$host" = 127.0.0.1 ] && port_open "$port"; then
  die "$base is already in use (another ./run.sh?). Stop it, or choose another address: ./run.sh --urls http://127.0.0.1:$((port == 8080 ? 8081 : 8080))"
fi

if [ ! -x node_modules/.bin/azurite ] || [ ! -f node_modules/uplot/dist/uPlot.iife.min.js ]; then
  log "installing Azurite and the dashboard's chart library (npm ci)…"
  npm ci --no-audit --no-fund --loglevel=error
fi

# Settings as the self-host reads them (environment, then local.settings.json, then the sample);
# a malformed settings file stops here with its name, line and column.
settings="$(node eng/local-settings.js AzureWebJobsStorage Resso__Api__Keys)" || exit 2
{ read -r storage; read -r key; } <<<"$settings"
key="${key%%,*}"
demo_events="${RESSO_DEMO_EVENTS:-20000}"
[[ "$demo_events" =~ ^[0-9]+$ ]] || die "RESSO_DEMO_EVENTS must be a whole number of events (0 skips seeding), not '$demo_events'"

# --- stopping ------------------------------------------------------------------------------------
# Everything started here is stopped on exit, whatever the reason: Ctrl+C, SIGINT/SIGTERM to this
# PID (the self-host runs in the background and the script waits, so the trap runs at once), or
# the self-host exiting by itself. Azurite stops last, after the processes that use it.
azurite_pid="" selfhost_pid="" seeder_pid=""
stop() {
  local pid
  for pid in "$@"; do [ -n "$pid" ] && kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "$@"; do
    [ -n "$pid" ] || continue
    for _ in $(seq 1 150); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
}
cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  stop "$seeder_pid" "$selfhost_pid"
  stop "$azurite_pid"
  [ -n "$selfhost_pid$azurite_pid" ] && log "stopped."
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# --- storage -------------------------------------------------------------------------------------
if [ "$storage" = "UseDevelopmentStorage=true" ]; then
  if port_open 10000 && port_open 10001 && port_open 10002; then
    log "Azurite is already listening on 127.0.0.1:10000-10002; using it."
  else
    mkdir -p .azurite
    # Errors only; RESSO_AZURITE_DEBUG=1 adds Azurite's request-by-request debug log (it grows fast).
    debug=()
    [ "${RESSO_AZURITE_DEBUG:-0}" = 1 ] && debug=(--debug .azurite/debug.log)
    log "starting Azurite on 127.0.0.1:10000-10002 (data in .azurite/, errors in .azurite/azurite.log)…"
    node_modules/.bin/azurite --location .azurite --blobHost 127.0.0.1 --queueHost 127.0.0.1 --tableHost 127.0.0.1 \
      --skipApiVersionCheck --disableTelemetry --silent "${debug[@]}" >>.azurite/azurite.log 2>&1 &
    azurite_pid=$!
    for _ in $(seq 1 100); do
      port_open 10000 && port_open 10001 && port_open 10002 && break
      kill -0 "$azurite_pid" 2>/dev/null || break
      sleep 0.1
    done
    port_open 10002 || die "Azurite did not start (are ports 10000-10002 taken by something else?); see .azurite/azurite.log"
  fi
else
  log "AzureWebJobsStorage points at another account; not starting Azurite."
fi

# --- build and run -------------------------------------------------------------------------------
export ASPNETCORE_ENVIRONMENT="${ASPNETCORE_ENVIRONMENT:-Development}"
export AZURE_FUNCTIONS_ENVIRONMENT="${AZURE_FUNCTIONS_ENVIRONMENT:-Development}"
log "building the self-host and the traffic generator…"
dotnet build functions/Resso.Functions.SelfHost -c Release --nologo -v quiet -clp:NoSummary
dotnet build tools/Resso.Traffic -c Release --nologo -v quiet -clp:NoSummary

log "starting the self-host on $base…"
dotnet functions/Resso.Functions.SelfHost/bin/Release/net10.0/Resso.Functions.SelfHost.dll "$@" &
selfhost_pid=$!

# The demo: once the self-host answers, seed an empty storage, wait until it is counted, train the
# first model, roll the catalog up, and print where to go and what to try.
if [ "$demo_events" -gt 0 ]; then
  dotnet tools/Resso.Traffic/bin/Release/net10.0/Resso.Traffic.dll --demo --url "$base" --key "$key" --events "$demo_events" &
  seeder_pid=$!
else
  log "RESSO_DEMO_EVENTS=0: no demo; the landing page is $base/ once the self-host listens."
fi

rc=0
wait "$selfhost_pid" || rc=$?
selfhost_pid=""
exit "$rc"
