// Benchmark wrapper for place-and-route of the two-set predictor engine alone (hdl/synth/fmax.sh
// with BLIND=<q.yaml>): as bench_top.v, with the `set` input and the `out_set` output in the
// shift registers. Not part of any product build.
module bench_top(input clk, input sin, input cap, output sout);
  reg [78:0] sh_in = 79'd0;
  always @(posedge clk) sh_in <= {sh_in[77:0], sin};
  wire busy, done, out_polarity, out_set, clamp_low, clamp_high;
  wire [15:0] log2_cycles;
  wire [23:0] cycles;
  ouro_predictor engine(
    .clock(clk), .start(sh_in[0]), .polarity(sh_in[1]), .in_we(sh_in[2]), .in_addr(sh_in[8:3]),
    .in_data(sh_in[24:9]), .ld_we(sh_in[25]), .ld_addr(sh_in[45:26]), .ld_data(sh_in[77:46]),
    .set(sh_in[78]),
    .busy(busy), .done(done), .out_polarity(out_polarity), .out_set(out_set),
    .log2_cycles(log2_cycles), .cycles(cycles), .clamp_low(clamp_low), .clamp_high(clamp_high));
  reg [45:0] sh_out = 46'd0;
  always @(posedge clk)
    if (cap) sh_out <= {busy, done, out_polarity, out_set, clamp_low, clamp_high, log2_cycles, cycles};
    else sh_out <= {sh_out[44:0], 1'b0};
  assign sout = sh_out[45];
endmodule
