// Bit planes of a multi-bit integer input, bit-packed like spikes: plane b holds bit b of every
// value, layout [plane][sample][pixel][word], so temporal_conv.wgsl with PLANES computes the
// constant current sum_b 2^b (W . plane_b) = W . x once per sample. Needs lib/index.wgsl.

override HW: u32;
override C: u32;
override WORDS: u32;
override PLANES: u32;

struct Dyn {
  nc: u32,
}

@group(0) @binding(0) var<uniform> dyn: Dyn;
@group(0) @binding(1) var<storage, read> x: array<u32>;
@group(0) @binding(2) var<storage, read_write> planes: array<u32>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let idx = linear_index(gid, nwg, 64u);
  if (idx >= PLANES * dyn.nc * HW * WORDS) { return; }
  let word = idx % WORDS;
  let rest = idx / WORDS;
  let pix = rest % HW;
  let rest2 = rest / HW;
  let n = rest2 % dyn.nc;
  let b = rest2 / dyn.nc;
  let c0 = word * 32u;
  let cn = min(32u, C - c0);
  var out = 0u;
  for (var k = 0u; k < cn; k++) {
    out |= ((x[(n * HW + pix) * C + c0 + k] >> b) & 1u) << k;
  }
  planes[idx] = out;
}
