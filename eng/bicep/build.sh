#!/usr/bin/env bash
# Compiles and lints the Azure infrastructure (infra/) with the Bicep CLI, failing on any error or
# warning, and checks that infra/ creates every table, queue and container the app uses and sets
# every app setting its triggers read. Run from anywhere: bash eng/bicep/build.sh
#
# The Bicep CLI comes from NuGet (Azure.Bicep.CommandLine.linux-x64, pinned in bicep-cli.csproj):
# `dotnet restore` downloads it into the NuGet packages folder, so nothing but the .NET SDK and
# NuGet is needed. Nothing is deployed and no Azure sign-in is used.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
cd "$root"

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

step() { printf '==> %s\n' "$*"; }
fail() { printf 'eng/bicep/build.sh: %s\n' "$*" >&2; exit 1; }

# --- the Bicep CLI -----------------------------------------------------------------------------

[[ "$(uname -s)/$(uname -m)" == "Linux/x86_64" ]] \
  || fail "the pinned Bicep package is for linux-x64; this is $(uname -s)/$(uname -m)"

project="$here/bicep-cli.csproj"
version="$(sed -n 's:.*<BicepVersion>\(.*\)</BicepVersion>.*:\1:p' "$project")"
[[ -n "$version" ]] || fail "no <BicepVersion> in $project"

packages="${NUGET_PACKAGES:-}"
if [[ -z "$packages" ]]; then
  packages="$(dotnet nuget locals global-packages --list | sed -n 's/^global-packages: *//p')"
fi
packages="${packages%/}"
bicep="$packages/azure.bicep.commandline.linux-x64/$version/tools/bicep"

if [[ ! -f "$bicep" ]]; then
  step "restoring Bicep CLI $version from NuGet (eng/bicep/bicep-cli.csproj)"
  dotnet restore "$project" --nologo --verbosity quiet
  [[ -f "$bicep" ]] || fail "restore did not produce $bicep"
fi
[[ -x "$bicep" ]] || chmod +x "$bicep"
step "using $("$bicep" --version) at $bicep"

# --- compile and lint ------------------------------------------------------------------------

# Runs the Bicep CLI, shows its diagnostics, and fails on any error or warning.
bicep_checked() {
  local what="$1"; shift
  local output status=0
  output="$("$bicep" "$@" 2>&1 >/dev/null)" || status=$?
  if [[ -n "$output" ]]; then
    printf '%s\n' "$output"
  fi
  if (( status != 0 )) || grep -Eq ' : (Error|Warning) ' <<<"$output"; then
    fail "$what: errors or warnings above (exit code $status)"
  fi
  printf '    ok: %s\n' "$what"
}

# A stand-in for the link-signing key, which the parameters file reads from the environment at
# compile time. It only lets build-params compile: it is no key and is never deployed.
placeholder_secret="$(printf '%s' 'placeholder for bicep build-params only; not a signing key' | base64 -w0)"

step "compiling infra/main.bicep and its modules"
bicep_checked "bicep build infra/main.bicep" build infra/main.bicep --stdout --no-restore

step "linting infra/**/*.bicep"
bicep_checked "bicep lint --pattern 'infra/**/*.bicep'" \
  lint --pattern 'infra/**/*.bicep' --no-restore

step "compiling and linting infra/main.bicepparam (with a placeholder RESSO_LINK_SIGNING_SECRET)"
export RESSO_LINK_SIGNING_SECRET="$placeholder_secret"
bicep_checked "bicep build-params infra/main.bicepparam" build-params infra/main.bicepparam --stdout --no-restore
bicep_checked "bicep lint infra/main.bicepparam" lint infra/main.bicepparam --no-restore

step "checking formatting (bicep format)"
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
cp -R infra "$scratch/infra"
"$bicep" format --pattern "$scratch/infra/**/*.bicep*" >/dev/null
if ! diff -ru infra "$scratch/infra"; then
  fail "infra/ is not formatted as bicep format does it (diff above): run $bicep format --pattern 'infra/**/*.bicep*'"
fi
printf '    ok: every file formatted\n'

# --- infra/ against the app --------------------------------------------------------------------

step "checking infra/main.bicep against the app's storage names and trigger settings"
names_cs="shared/Resso.Shared/Storage/StorageNames.cs"
[[ -f "$names_cs" ]] || fail "$names_cs is missing"
missing=()
# Every name StorageNames.cs builds from the prefix must be written `X = prefix + "name";`, or the
# check below would skip it without a word.
built="$(grep -c '= prefix + ' "$names_cs")"
parsed="$(sed -n 's/^ *\([A-Za-z]*\) = prefix + "\([a-z0-9-]*\)";.*/\2/p' "$names_cs" | wc -l | tr -d ' ')"
(( built == parsed )) || fail "$names_cs builds $built names from the prefix but only $parsed are written as X = prefix + \"name\"; (the form this check reads)"
# Each `X = prefix + "name";` in StorageNames.cs; every queue also has its "-poison" queue.
while IFS=$'\t' read -r property name; do
  expected=("$name")
  [[ "$property" == *Queue ]] && expected+=("$name-poison")
  for item in "${expected[@]}"; do
    grep -q "'$item'" infra/main.bicep || missing+=("storage $property: '$item'")
  done
done < <(sed -n 's/^ *\([A-Za-z]*\) = prefix + "\([a-z0-9-]*\)";.*/\1\t\2/p' "$names_cs")
# Each %Key% that a trigger attribute resolves when the host starts: the host looks it up as a
# configuration key, so the app setting is the key with ':' written '__'.
trigger_settings() {
  grep -rhoE --include='*.cs' '"%[A-Za-z0-9_:]+%"' functions shared | tr -d '"%' | sed 's/:/__/g' | sort -u
}
while read -r setting; do
  grep -qE "^ *${setting}:" infra/main.bicep || missing+=("app setting $setting (a trigger's binding expression reads it)")
done < <(trigger_settings)
if (( ${#missing[@]} > 0 )); then
  printf '    missing in infra/main.bicep: %s\n' "${missing[@]}" >&2
  fail "infra/main.bicep is out of step with the app"
fi
printf '    ok: %s tables/queues/containers and %s trigger settings\n' \
  "$(sed -n 's/^ *\([A-Za-z]*\) = prefix + "\([a-z0-9-]*\)";.*/\2/p' "$names_cs" | wc -l | tr -d ' ')" \
  "$(trigger_settings | wc -l | tr -d ' ')"

step "infra OK"
