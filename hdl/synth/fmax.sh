#!/usr/bin/env bash
# Achievable clock of the predictor engine on the iCE40UP5K-SG48 (docs/BENCHMARKS.md): for each
# lane count, synthesize the default predictor's engine inside hdl/synth/bench_top.v (a
# shift-register wrapper, since the engine has more ports than the package has pins) and run
# nextpnr-ice40; prints the reported maximum frequency. Usage: hdl/synth/fmax.sh [lanes...]
# SEED=<n> sets nextpnr's placement seed (default 1); PREDICTOR=<q.yaml> measures that predictor's
# engine instead of the default one; BLIND=<q.yaml> too, the two-set engine (the blind predictor
# embedded as set 0, PREDICTOR as set 1) inside hdl/synth/bench_top_sets.v.
set -euo pipefail
cd "$(dirname "$0")/../.."
out=${OUT:-target/synth}
lanes=${*:-1 2 4 8}
top_v=hdl/synth/bench_top.v
if [ -n "${BLIND:-}" ]; then top_v=hdl/synth/bench_top_sets.v; fi
for l in $lanes; do
  cargo run -q -p ouro-hdl --example generate -- "$l" "$out/l$l" ${PREDICTOR:+"$PREDICTOR"} ${BLIND:+"$BLIND"} >/dev/null
  yosys -q -p "read_verilog $out/l$l/ouro_predictor.v $top_v; synth_ice40 -dsp -top bench_top -json $out/l$l/bench.json" >"$out/l$l/bench_yosys.log" 2>&1
  nextpnr-ice40 --up5k --package sg48 --json "$out/l$l/bench.json" --freq 12 --seed "${SEED:-1}" >"$out/l$l/nextpnr.log" 2>&1 || true
  fmax=$(grep -o "Max frequency for clock '[^']*': [0-9.]* MHz" "$out/l$l/nextpnr.log" | tail -1 | sed 's/.*: //')
  echo "lanes $l: fmax ${fmax:-unknown (see $out/l$l/nextpnr.log)}"
done
