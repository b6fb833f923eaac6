# Sourced by the scripts: puts the project virtualenv first on PATH (cargo-lambda finds zig
# through `python -m ziglang`) and keeps SAM quiet and offline-friendly.
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export PATH="$root/.venv/bin:$PATH"
export SAM_CLI_TELEMETRY=0
export AWS_DEFAULT_REGION="${AWS_DEFAULT_REGION:-us-east-1}"
