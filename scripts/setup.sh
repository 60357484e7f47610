#!/usr/bin/env bash
# Sets up spikemesh on a fresh Debian 12 machine, non-interactively and idempotently:
#   system packages (Chromium + its SwiftShader Vulkan driver, the Vulkan loader, Fashion-MNIST),
#   npm dependencies, the build, and a check that a WebGPU adapter is found (GPU or SwiftShader).
# Runs as root, or through sudo when available. Re-running skips what is already done.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(chromium libvulkan1 dataset-fashion-mnist)
say() { printf '\n== setup: %s\n' "$*"; }

# --- Node ---------------------------------------------------------------------------------
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  echo "setup: node and npm are required (Node >= 20; Debian 12's nodejs is 18: use NodeSource or nvm)" >&2
  exit 1
fi
node_major=$(node -p 'process.versions.node.split(".")[0]')
if (( node_major < 20 )); then
  echo "setup: Node >= 20 is required, found $(node --version)" >&2
  exit 1
fi

# --- system packages ----------------------------------------------------------------------
missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if (( ${#missing[@]} )); then
  say "installing ${missing[*]}"
  if [[ $(id -u) -eq 0 ]]; then sudo=()
  elif command -v sudo >/dev/null; then sudo=(sudo -n)
  else echo "setup: need root (or sudo) to install: ${missing[*]}" >&2; exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  "${sudo[@]}" apt-get update -q
  "${sudo[@]}" apt-get install -y -q "${missing[@]}"
else
  say "system packages present (${APT_PACKAGES[*]})"
fi

# --- npm dependencies ---------------------------------------------------------------------
# npm ci wipes node_modules, so run it only when the lockfile changed since the last one
# (the stamp holds the lockfile's hash). PUPPETEER_SKIP_DOWNLOAD: Chromium comes from apt.
export PUPPETEER_SKIP_DOWNLOAD=1
# onnxruntime-node (tests only) ships its CPU binaries; skip its optional download step
export npm_config_onnxruntime_node_install=skip
stamp=node_modules/.spikemesh-installed
if [[ -f package-lock.json ]]; then
  want=$(sha256sum package-lock.json | cut -d' ' -f1)
  if [[ -f $stamp && $(cat "$stamp") == "$want" ]]; then
    say "npm dependencies up to date"
  else
    say "npm ci"
    # npm ci installs exactly the committed lockfile and never rewrites it; when it refuses
    # (package.json and package-lock.json out of sync), setup fails: run `npm install` and
    # commit the lockfile it writes.
    if ! npm ci --no-audit --no-fund; then
      echo "setup: npm ci failed (see above); if the lockfile is out of sync, run 'npm install' and commit package-lock.json" >&2
      exit 1
    fi
    echo "$want" > "$stamp"
  fi
else
  say "npm install (no package-lock.json)"
  npm install --no-audit --no-fund
fi

# --- build --------------------------------------------------------------------------------
say "npm run build"
npm run build

# --- WebGPU smoke check -------------------------------------------------------------------
say "WebGPU adapter"
out=$(npx vite-node scripts/check-gpu.ts 2>&1) || true
echo "$out"
if ! grep -q '^webgpu adapter:' <<<"$out"; then
  echo "setup: no WebGPU adapter found (see the output above; DESIGN.md section 6)" >&2
  exit 1
fi
say "done"
