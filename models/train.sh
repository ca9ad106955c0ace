#!/usr/bin/env bash
# Reproduces a shipped OPAL infection model from scratch: trains on ../shared/data/covid-semiseg
# (read in place, never copied), then evaluates the best checkpoint, exports ONNX and writes
# models/<name>.onnx, models/manifests/<name>.json and models/cards/<name>.md.
#
#   npm run train -- --net cmunext-s --epochs 24 [--size 128] [--name NAME] [--device cuda]
#                    [--threads 2] [--max-minutes 58] [--seed N] [any other trainer flag]
#
# Defaults reproduce the shipped default model (opal-infection-cmunext-s). Run folder:
# models/runs/<name>/ (git-ignored): log.csv, curves.png, train.log, best.pt, evaluation.json.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
net=cmunext-s
epochs=24
size=128
name=""
extra=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --net) net="$2"; shift 2 ;;
    --epochs) epochs="$2"; shift 2 ;;
    --size) size="$2"; shift 2 ;;
    --name) name="$2"; shift 2 ;;
    -h|--help) sed -n '2,12p' "${BASH_SOURCE[0]}"; exit 0 ;;
    *) extra+=("$1"); shift ;;
  esac
done
name="${name:-opal-infection-${net}}"
python="${PYTHON:-/usr/bin/python3}"
run="runs/${name}"
cd "$here"
if [[ -e "$run/best.pt" ]]; then
  echo "E_BAD_ARGUMENT: $here/$run already holds a trained model; move it away to retrain" >&2
  exit 2
fi
reproduce="npm run train -- --net ${net} --epochs ${epochs} --size ${size} --name ${name}${extra[*]:+ ${extra[*]}}"
"$python" -m segnets.trainer train --net "$net" --epochs "$epochs" --size "$size" --patience "$epochs" \
  --steps-per-epoch 10 --labelled-per-batch 4 --pseudo-per-batch 3 --out "$run" "${extra[@]}"
"$python" -m segnets.trainer finalize --run "$run" --name "$name" --reproduce "$reproduce"
# False positives on a real CT without COVID-19, through the whole engine (needs `npm ci` done).
if command -v node >/dev/null 2>&1 && [[ -d "$here/../node_modules/tsx" ]]; then
  node --import tsx "$here/../electron/cli/tools/recordNonCovidFalsePositives.ts" "$name" ||
    echo "warning: the non-COVID false-positive check failed; the manifest lacks metrics.falsePositiveNonCovidCt" >&2
fi
