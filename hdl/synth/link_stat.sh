#!/usr/bin/env bash
# Synthesis figures of the host link's gateware (docs/HDL.md, "Host link"): generate the
# receive chain (ouro_link_rx: UartRx + FrameRx with its 1024-byte buffer) and the frame
# transmitter (ouro_link_tx: FrameTx + UartTx) at 12 clocks per bit, run yosys `synth_ice40` on
# each, and print LUT4, EBR (SB_RAM40_4K) and flip-flop counts; with FMAX=1, also place and
# route each alone (its ports on pins) with nextpnr-ice40 --up5k --package sg48 --seed 1 and
# print the reported maximum frequency.
# Usage: [FMAX=1] hdl/synth/link_stat.sh [clocks_per_bit]
set -euo pipefail
cd "$(dirname "$0")/../.."
out=${OUT:-target/synth/link}
cargo run -q -p ouro-hdl --example link -- "$out" ${1:+"$1"} >/dev/null
printf "%-14s %-6s %-6s %-6s %s\n" module LUT4 EBR FF fmax
for m in ouro_link_rx ouro_link_tx; do
  yosys -q -p "read_verilog $out/$m.v; synth_ice40 -top $m -json $out/$m.json; tee -q -o $out/$m.stat.txt stat" >"$out/$m.yosys.log" 2>&1
  fmax=-
  if [ "${FMAX:-0}" = 1 ]; then
    nextpnr-ice40 --up5k --package sg48 --json "$out/$m.json" --freq 12 --seed "${SEED:-1}" >"$out/$m.nextpnr.log" 2>&1 || true
    fmax=$(grep -o "Max frequency for clock '[^']*': [0-9.]* MHz" "$out/$m.nextpnr.log" | tail -1 | sed 's/.*: //')
  fi
  count() { awk -v c="$1" '$1 == c { s += $2 } END { print s + 0 }' "$out/$m.stat.txt"; }
  ff=$(awk '$1 ~ /^SB_DFF/ { s += $2 } END { print s + 0 }' "$out/$m.stat.txt")
  printf "%-14s %-6s %-6s %-6s %s\n" "$m" "$(count SB_LUT4)" "$(count SB_RAM40_4K)" "$ff" "${fmax:-unknown}"
done
