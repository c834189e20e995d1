#!/usr/bin/env bash
# Synthesis figures of the predictor engine (docs/BENCHMARKS.md): for each lane count, generate
# the default predictor's engine and run yosys `synth_ice40 -dsp`; prints LUT4, SB_MAC16, EBR
# (SB_RAM40_4K), SPRAM and flip-flop counts. Usage: hdl/synth/stat.sh [lanes...]  (default 1 2 4 8)
# PREDICTOR=<q.yaml> measures that predictor's engine instead of the default one; with
# BLIND=<q.yaml> too, the two-set engine (the blind predictor embedded as set 0, PREDICTOR as set 1).
set -euo pipefail
cd "$(dirname "$0")/../.."
out=${OUT:-target/synth}
lanes=${*:-1 2 4 8}
printf "%-6s %-8s %-6s %-8s %-6s %-6s %-6s\n" lanes latency LUT4 SB_MAC16 EBR SPRAM FF
for l in $lanes; do
  lat=$(cargo run -q -p ouro-hdl --example generate -- "$l" "$out/l$l" ${PREDICTOR:+"$PREDICTOR"} ${BLIND:+"$BLIND"} | sed -n 's/.*latency \([0-9]*\) cycles/\1/p')
  yosys -q -p "read_verilog $out/l$l/ouro_predictor.v; synth_ice40 -dsp -top ouro_predictor; tee -q -o $out/l$l/stat.txt stat" >"$out/l$l/yosys.log" 2>&1
  count() { awk -v c="$1" '$1 == c { s += $2 } END { print s + 0 }' "$out/l$l/stat.txt"; }
  ff=$(awk '$1 ~ /^SB_DFF/ { s += $2 } END { print s + 0 }' "$out/l$l/stat.txt")
  printf "%-6s %-8s %-6s %-8s %-6s %-6s %-6s\n" "$l" "$lat" "$(count SB_LUT4)" "$(count SB_MAC16)" "$(count SB_RAM40_4K)" "$(count SB_SPRAM256KA)" "$ff"
done
