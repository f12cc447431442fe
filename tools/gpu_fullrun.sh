#!/usr/bin/env bash
# Full-mode run of the framework notebooks on a GPU machine that has the
# frameworks but no papermill and no network (the project's lent device):
#   pip download papermill + ipykernel wheels into build/gpu-wheels beforehand
#   (see README, "Full mode on a GPU"), carry them over, then run this.
# Writes executed notebooks and times.tsv to $OUT (default build/gpu-run).
# Usage: tools/gpu_fullrun.sh NOTEBOOK...
set -uo pipefail
out="${OUT:-build/gpu-run}"; mkdir -p "$out"
site=/tmp/papermill-site
python3 -m pip install -q --no-index --no-deps --target "$site" build/gpu-wheels/*.whl
export PYTHONPATH="$site${PYTHONPATH:+:$PYTHONPATH}" PATH="$site/bin:$PATH"
export XLA_PYTHON_CLIENT_PREALLOCATE=false TF_FORCE_GPU_ALLOW_GROWTH=true
python3 -m ipykernel install --user --name python3 >/dev/null
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader | tee "$out/gpu.txt"
python3 - <<'PY' | tee -a "$out/gpu.txt"
import importlib
for m in ("torch", "jax", "flax", "optax", "tensorflow"):
    try:
        print(m, importlib.import_module(m).__version__)
    except ImportError:
        print(m, "not installed")
PY
printf 'notebook\tstatus\tseconds\n' > "$out/times.tsv"
for nb in "$@"; do
  start=$(date +%s.%N)
  if timeout 280 python3 -m papermill "notebooks/$nb" "$out/$nb" -k python3 --no-progress-bar \
       --cwd /tmp >"$out/${nb%.ipynb}.log" 2>&1; then status=passed; else status=failed; fi
  secs=$(python3 -c "import time; print(f'{time.time() - $start:.1f}')")
  printf '%s\t%s\t%s\n' "$nb" "$status" "$secs" | tee -a "$out/times.tsv"
done
