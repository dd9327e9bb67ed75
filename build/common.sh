# Shared by build/runner-host and build/test: locate the repository, check the .NET SDK, build when sources changed.
set -euo pipefail
REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CONFIGURATION="${RUNNER_CONFIGURATION:-Release}"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 TESTINGPLATFORM_TELEMETRY_OPTOUT=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

require_dotnet() {
  if ! command -v dotnet >/dev/null 2>&1; then
    echo "error: the .NET 10 SDK is required (dotnet was not found on PATH)." >&2
    exit 1
  fi
  local major
  major="$(dotnet --version 2>/dev/null | cut -d. -f1)"
  if [ "${major:-0}" -lt 10 ]; then
    echo "error: the .NET 10 SDK is required; found $(dotnet --version 2>/dev/null || echo none)." >&2
    exit 1
  fi
}

# sources_changed_since STAMP: true when STAMP is missing or any source file is newer than it.
sources_changed_since() {
  local stamp="$1"
  [ ! -f "$stamp" ] || [ -n "$(cd "$REPO_ROOT" && find sdk host plugins tests build bench Directory.Build.props Directory.Packages.props global.json \
        \( -name bin -o -name obj \) -prune -o -type f -newer "$stamp" -print -quit)" ]
}

# build_step STAMP PROJECT COMMAND...: runs COMMAND quietly (its log is shown only when it fails), then touches STAMP.
build_step() {
  local stamp="$1" project="$2" log
  shift 2
  log="$(mktemp)"
  if ! "$@" >"$log" 2>&1; then
    grep -E "error|Error" "$log" | sort -u >&2 || cat "$log" >&2
    echo "error: the build of $project failed (full log: $log)." >&2
    exit 1
  fi
  rm -f "$log"
  mkdir -p "$(dirname "$stamp")"
  touch "$stamp"
}

# build_if_stale PROJECT STAMP: builds PROJECT unless no source is newer than STAMP.
build_if_stale() {
  local project="$1" stamp="$2"
  sources_changed_since "$stamp" || return 0
  build_step "$stamp" "$project" dotnet build "$REPO_ROOT/$project" -c "$CONFIGURATION" -nologo -v quiet
}

# publish_if_stale PROJECT OUTDIR STAMP: publishes PROJECT ReadyToRun (precompiled, so start-up does not wait for the
# JIT: about a third less time to start a job) into OUTDIR, unless OUTDIR exists and no source is newer than STAMP.
publish_if_stale() {
  local project="$1" outdir="$2" stamp="$3"
  if [ -d "$outdir" ] && ! sources_changed_since "$stamp"; then return 0; fi
  if [ -d "$outdir" ]; then
    echo "Building $(basename "$project" .csproj) (sources changed; up to a minute or two)..." >&2
  else
    echo "Building $(basename "$project" .csproj) for the first time (restore and ReadyToRun compile: 2 to 5 minutes on 2 cores; later runs start at once)..." >&2
  fi
  rm -rf "$outdir" # a publish adds files and never removes any: files an earlier layout left would still be probed
  build_step "$stamp" "$project" dotnet publish "$REPO_ROOT/$project" -c "$CONFIGURATION" -r linux-x64 --self-contained false \
    -p:PublishReadyToRun=true -o "$outdir" -nologo -v quiet
}

# require_open_mpi: installs Open MPI (mpirun and libmpi) with apt when mpirun is missing — the distributed tests run
# mpirun -np 2. Where apt cannot run (not root, no apt), says so; those tests then report themselves inconclusive.
require_open_mpi() {
  command -v mpirun >/dev/null 2>&1 && return 0
  if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" -eq 0 ]; then
    echo "Installing Open MPI (openmpi-bin, libopenmpi-dev) for the distributed tests..."
    local log
    log="$(mktemp)"
    if ! { apt-get install -y --no-install-recommends openmpi-bin libopenmpi-dev >"$log" 2>&1 \
           || { apt-get update >>"$log" 2>&1 && apt-get install -y --no-install-recommends openmpi-bin libopenmpi-dev >>"$log" 2>&1; }; }; then
      tail -n 5 "$log" >&2
      echo "warning: Open MPI could not be installed; the distributed tests will be inconclusive." >&2
    fi
    rm -f "$log"
  else
    echo "warning: mpirun was not found and cannot be installed here (needs root and apt-get: apt-get install openmpi-bin libopenmpi-dev); the distributed tests will be inconclusive." >&2
  fi
}

# remove_torchsharp_fallback DIR...: deletes the ~480 MB copy of libtorch (cpu/, cuda-12.8/) that TorchSharp makes beside
# its DLL when its native load fails — Runner no longer lets that happen, but an earlier build may have left one.
remove_torchsharp_fallback() {
  local dir copy
  for dir in "$@"; do
    for copy in "$dir/cpu" "$dir/cuda-12.8"; do
      if [ -f "$copy/libLibTorchSharp.so" ]; then
        echo "Removing TorchSharp's fallback copy of libtorch that an earlier failed load left: $copy"
        rm -rf "$copy"
      fi
    done
  done
}
