#!/usr/bin/env bash
# Train the tiny character-level GPT of examples/tiny-lm.tfm on examples/corpus.txt with
# `tfmc train`, then generate from it with `tfmc generate`. Run after `npm run build`:
#
#   bash examples/tiny-lm.sh                 # 300 steps into runs/tiny-lm-example (a few minutes on a laptop CPU)
#   STEPS=40 BATCH=8 SEQ=32 OUT=/tmp/run bash examples/tiny-lm.sh
#
# Ctrl-C during training saves a checkpoint; running the script again resumes from it.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
tfmc="node $here/../bin/tfmc.js"
steps="${STEPS:-300}"
batch="${BATCH:-16}"
seq="${SEQ:-64}"
out="${OUT:-runs/tiny-lm-example}"

resume=()
[ -f "$out/checkpoint/manifest.json" ] && resume=(--resume)
$tfmc train "$here/tiny-lm.tfm" --data "$here/corpus.txt" --steps "$steps" --batch "$batch" --seq "$seq" --lr 3e-3 --out "$out" ${resume[@]+"${resume[@]}"}

echo "--- greedy"
$tfmc generate "$out" --prompt "The keeper " --max-new-tokens 60
echo "--- sampled (temperature 0.8, top-k 8)"
$tfmc generate "$out" --prompt "In winter " --max-new-tokens 60 --temperature 0.8 --top-k 8 --seed 1
