#!/usr/bin/env bash
# Reproduces a shipped OPAL infection model from scratch: trains on ../shared/data/covid-semiseg
# (read in place, never copied), then evaluates the best checkpoint, exports ONNX and writes
# models/<name>.onnx, models/manifests/<name>.json and models/cards/<name>.md.
#
#   npm run train -- --net cmunext-s --epochs 24 [--size 128] [--name NAME] [--device cuda]
#                    [--threads 2] [--max-minutes 58] [--seed N] [--steps N] [--steps-per-epoch 10]
#                    [--runs-dir DIR] [--resume] [any other trainer flag: python3 -m segnets.trainer train -h]
#
# Defaults reproduce the shipped default model (opal-infection-cmunext-s). Run folder:
# <runs dir>/<name>/ with runs dir = --runs-dir, else $OPAL_RUNS_DIR, else models/runs (git-ignored):
# log.csv, curves.png, train.log, last.pt (resumable), best.pt, summary.json, evaluation.json.
# A run stopped by SIGTERM (kill -TERM $(cat <run>/train.pid)), Ctrl-C or --max-minutes exits 75; the same command plus --resume
# continues it to the weights an uninterrupted run reaches (same seed and --threads on CPU).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
given=()
for a in "$@"; do [[ "$a" == --resume ]] || given+=("$a"); done
net=cmunext-s
epochs=24
size=128
name=""
steps=""
steps_per_epoch=10
resume=0
runs_dir="${OPAL_RUNS_DIR:-}"
extra=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --net) net="$2"; shift 2 ;;
    --epochs) epochs="$2"; shift 2 ;;
    --size) size="$2"; shift 2 ;;
    --name) name="$2"; shift 2 ;;
    --steps) steps="$2"; shift 2 ;;
    --steps-per-epoch) steps_per_epoch="$2"; extra+=("--steps-per-epoch" "$2"); shift 2 ;;
    --runs-dir) runs_dir="$2"; shift 2 ;;
    --resume) resume=1; shift ;;
    -h|--help) sed -n '2,14p' "${BASH_SOURCE[0]}"; exit 0 ;;
    *) extra+=("$1"); shift ;;
  esac
done
if [[ -n "$steps" ]]; then
  epochs=$(( (steps + steps_per_epoch - 1) / steps_per_epoch ))
fi
name="${name:-opal-infection-${net}}"
python="${PYTHON:-/usr/bin/python3}"
# A relative --runs-dir/OPAL_RUNS_DIR is relative to where the command was started.
runs_dir="${runs_dir:-$here/runs}"
mkdir -p "$runs_dir"
run="$(cd "$runs_dir" && pwd)/${name}"
cd "$here"
if [[ $resume -eq 0 && ( -e "$run/best.pt" || -e "$run/last.pt" ) ]]; then
  echo "E_BAD_ARGUMENT: $run already holds a run; add --resume to continue it, or move it away to retrain" >&2
  exit 2
fi
if [[ $resume -eq 1 && ! -e "$run/last.pt" ]]; then
  echo "E_MODEL_MISSING: $run/last.pt does not exist: nothing to resume" >&2
  exit 2
fi
# The reproduce command names the recipe only (not where the run lives, nor that it was resumed).
# Each argument with a leading space, in single quotes only where the shell needs them (e.g. '').
quoted() {
  local out="" a
  for a in "$@"; do
    if [[ -z "$a" || "$a" =~ [^A-Za-z0-9_.,:/=+@%-] ]]; then out+=" '${a//\'/\'\\\'\'}'"; else out+=" $a"; fi
  done
  printf '%s' "$out"
}
reproduce="npm run train -- --net ${net} --epochs ${epochs} --size ${size} --name ${name}$(quoted "${extra[@]}")"
resume_flag=()
[[ $resume -eq 1 ]] && resume_flag=(--resume)
status=0
"$python" -m segnets.trainer train --net "$net" --epochs "$epochs" --size "$size" --patience "$epochs" \
  --steps-per-epoch 10 --labelled-per-batch 4 --pseudo-per-batch 3 --out "$run" "${extra[@]}" "${resume_flag[@]}" || status=$?
if [[ $status -eq 75 ]]; then
  echo "stopped, resumable: npm run train --$(quoted "${given[@]}") --resume" >&2
  exit 75
elif [[ $status -ne 0 ]]; then
  exit "$status"
fi
"$python" -m segnets.trainer finalize --run "$run" --name "$name" --reproduce "$reproduce"
# False positives on a real CT without COVID-19, through the whole engine (needs `npm ci` done).
if command -v node >/dev/null 2>&1 && [[ -d "$here/../node_modules/tsx" ]]; then
  node --import tsx "$here/../electron/cli/tools/recordNonCovidFalsePositives.ts" "$name" ||
    echo "warning: the non-COVID false-positive check failed; the manifest lacks metrics.falsePositiveNonCovidCt" >&2
fi
