#!/usr/bin/env bash
# Compile and run the CUDA prototype at the recurrent benchmark's sizes (needs nvcc and a GPU).
# Usage: bash benchmarks/gpu/run.sh [OUTDIR]
set -euo pipefail
cd "$(dirname "$0")"
out="${1:-.}"
nvcc -O3 -arch=sm_90 -o /tmp/recurrent_stdp recurrent_stdp.cu
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader | tee "$out/gpu.txt"
nvcc --version | tail -2 | tee -a "$out/gpu.txt"
for size in "10000 100" "10000 1000" "100000 1000" "1000000 1000"; do
    timeout 300 /tmp/recurrent_stdp $size | tee -a "$out/results.jsonl" || echo "{\"failed\": \"$size\"}" | tee -a "$out/results.jsonl"
done
