#!/usr/bin/env bash
# Synthesis figures of the sequencer core (the sequencer with its engine at 8 lanes;
# docs/BENCHMARKS.md): yosys 0.23 `synth_ice40 -dsp` on the Verilog of each build, printing
# LUT4, SB_CARRY, SB_MAC16, EBR (SB_RAM40_4K) and flip-flop counts. Builds: the default
# predictor (one set), the `nominal` predictor (one set with input tables) and the two-set
# build of probe-then-predict (history-aware set 1, the default embedded as set 0).
# Usage: hdl/synth/seq_stat.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
out=${OUT:-target/synth_seq}
mkdir -p "$out"
printf "%-10s %-6s %-8s %-8s %-6s %-6s\n" build LUT4 SB_CARRY SB_MAC16 EBR FF
run() {
  local name=$1; shift
  cargo run -q -p ouro-hdl --example seq_core -- "$out/$name.v" "$@" >/dev/null
  yosys -q -p "read_verilog $out/$name.v; synth_ice40 -dsp -top ouro_seq_core; tee -q -o $out/$name.stat stat" >"$out/$name.log" 2>&1
  count() { awk -v c="$1" '$1 == c { s += $2 } END { print s + 0 }' "$out/$name.stat"; }
  ff=$(awk '$1 ~ /^SB_DFF/ { s += $2 } END { print s + 0 }' "$out/$name.stat")
  printf "%-10s %-6s %-8s %-8s %-6s %-6s\n" "$name" "$(count SB_LUT4)" "$(count SB_CARRY)" "$(count SB_MAC16)" "$(count SB_RAM40_4K)" "$ff"
}
run default
run nominal "$PWD/predictors/nominal.q.yaml"
run two_sets "$PWD/predictors/history.q.yaml" "$PWD/predictors/default.q.yaml"
