#!/usr/bin/env bash
# The Debian packages some tests drive for real (a browser, an editor, the PyTorch reference, ONNX's
# model checker, the native backend's compiler and BLAS).
# `npm test` runs this first: it installs what is missing (as root, or through sudo) so that the
# README's test command works on a fresh Debian/Ubuntu machine, and says exactly what to install
# where it cannot. Already-installed packages cost one `dpkg -s` each.
set -euo pipefail

PACKAGES=(
  chromium       # test/backends/tfjs/layers/browser.test.ts: a saved tfjs-layers model reloads in a real browser
  neovim         # test/lsp/neovim.test.ts: a real editor receives `tfmc lsp` diagnostics (headless, built-in LSP client)
  python3-torch  # test/backends/pytorch/, test/backends/tfjs/parity: PyTorch is the numerical reference (/usr/bin/python3)
  python3-onnx   # test/backends/onnx/, test/cli/compile-onnx.test.ts: onnx.checker.check_model validates the ONNX target's models
  build-essential  # test/backends/tfjs/native.test.ts: `npm run build:native` compiles the native backend's addon (native/)
  libopenblas-dev  # ... against OpenBLAS's cblas_sgemm
)

if ! command -v dpkg >/dev/null 2>&1; then
  echo "system-packages: not a Debian/Ubuntu machine; the tests need: ${PACKAGES[*]} (Chromium at /usr/bin/chromium, Neovim >= 0.7, torch and onnx for /usr/bin/python3, a C++ compiler and OpenBLAS for native/)" >&2
  exit 1
fi

missing=()
for pkg in "${PACKAGES[@]}"; do
  dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
done
((${#missing[@]} == 0)) && exit 0

SUDO=()
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO=(sudo); else
    echo "system-packages: the tests need ${missing[*]}; run as root: apt-get update && apt-get install -y ${missing[*]}" >&2
    exit 1
  fi
fi
echo "system-packages: installing ${missing[*]} (needed by the tests)" >&2
"${SUDO[@]}" apt-get update -qq
DEBIAN_FRONTEND=noninteractive "${SUDO[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
