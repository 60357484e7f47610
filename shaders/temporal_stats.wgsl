// Statistics of a batch of spike frames: per frame, the number of spikes and the synaptic
// operations they cause downstream (each spike times the fan-out of its pixel). One invocation
// per frame, looping over the frame's words: no workgroup barriers, which a CPU adapter
// (SwiftShader) pays dearly for. Needs lib/index.wgsl.
// Bindings: declared in src/kernels/temporal-stats.ts (the runner generates their WGSL declarations).

override WORDS_PER_FRAME: u32;
override WORDS_PER_PIXEL: u32;

struct Dyn {
  frames: u32,
  // output slot of the first frame (rows of a shared statistics buffer)
  offset: u32,
}

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let frame = linear_index(gid, nwg, 64u);
  if (frame >= dyn.frames) { return; }
  var sp = 0u;
  var so = 0u;
  let fb = frame * WORDS_PER_FRAME;
  for (var i = 0u; i < WORDS_PER_FRAME; i++) {
    let word = spikes[fb + i];
    if (word != 0u) {
      let pc = countOneBits(word);
      sp += pc;
      so += pc * fanout[i / WORDS_PER_PIXEL];
    }
  }
  out[(dyn.offset + frame) * 2u] = sp;
  out[(dyn.offset + frame) * 2u + 1u] = so;
}
