#!/usr/bin/env bash
# Runs every test of Resso Functions. Tests start their own Azurite (from node_modules) on free
# loopback ports; nothing needs to be running. Extra arguments go to `dotnet test`, and then only
# those tests run. Without arguments, the README's walkthrough follows: ./run.sh on a fresh clone
# of HEAD (committed work only), on the README's addresses 127.0.0.1:7071 and 10000-10002.
set -euo pipefail
cd "$(dirname "$0")"

if [ ! -f node_modules/azurite/dist/src/azurite.js ] || [ ! -f node_modules/uplot/dist/uPlot.iife.min.js ]; then
  echo "[test] installing Azurite and the dashboard's chart library (npm ci)…"
  npm ci --no-audit --no-fund --loglevel=error
fi

# Kiota, pinned in .config/dotnet-tools.json, generates the API client of tests/Resso.Client.Tests at build time.
dotnet tool restore >/dev/null

dotnet test Resso.Functions.sln -c Release "$@"
if [ $# -eq 0 ]; then
  node tests/walkthrough/first-five-minutes.js
fi
