// Max pooling of spike trains by the running maximum of spike counts (src/temporal/maxpool.ts):
// a pooled neuron spikes at step t when the largest spike count in its window grows. One
// invocation per sample, pooled position and word of 32 channels, looping over the steps; the
// counts of its window (its own copy: windows may overlap) and the running maximum persist
// across chunks in `counts` [sample][pooled][C][AREA] and `maxima` [sample][pooled][C].
// Out-of-bounds window positions ('same' padding) keep a zero count and never win.
// Needs lib/index.wgsl.

override IH: u32;
override IW: u32;
override C: u32;
override WORDS: u32;
override OH: u32;
override OW: u32;
override KH: u32;
override KW: u32;
override SY: u32;
override SX: u32;
override PT: u32;
override PL: u32;

const MAX_AREA: u32 = 16u;

struct Dyn {
  nc: u32,
  tc: u32,
}

@group(0) @binding(0) var<uniform> dyn: Dyn;
@group(0) @binding(1) var<storage, read> spikes: array<u32>;
@group(0) @binding(2) var<storage, read_write> counts: array<u32>;
@group(0) @binding(3) var<storage, read_write> maxima: array<u32>;
@group(0) @binding(4) var<storage, read_write> pooled: array<u32>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let idx = linear_index(gid, nwg, 64u);
  if (idx >= dyn.nc * OH * OW * WORDS) { return; }
  let site = site_of(idx, OH, OW, WORDS);
  let word = site.group;
  let c0 = word * 32u;
  let cn = min(32u, C - c0);
  let area = KH * KW;
  let base = site.pixel * C + c0;

  var cnt: array<u32, 512>;
  var mx: array<u32, 32>;
  for (var k = 0u; k < cn; k++) {
    mx[k] = maxima[base + k];
    for (var e = 0u; e < area; e++) { cnt[k * MAX_AREA + e] = counts[(base + k) * area + e]; }
  }
  let y0 = i32(site.y * SY) - i32(PT);
  let x0 = i32(site.x * SX) - i32(PL);
  for (var tt = 0u; tt < dyn.tc; tt++) {
    let frame = tt * dyn.nc + site.n;
    var out = 0u;
    // counts grow by at most one per step, so the maximum grows exactly when a count that just
    // grew passes it: only the spikes need visiting
    for (var e = 0u; e < area; e++) {
      let iy = y0 + i32(e / KW);
      let ix = x0 + i32(e % KW);
      if (iy < 0 || iy >= i32(IH) || ix < 0 || ix >= i32(IW)) { continue; }
      var s = spikes[((frame * IH + u32(iy)) * IW + u32(ix)) * WORDS + word];
      let events = countOneBits(s);
      for (var q = 0u; q < events; q++) {
        let k = firstTrailingBit(s);
        s = s & (s - 1u);
        let c = cnt[k * MAX_AREA + e] + 1u;
        cnt[k * MAX_AREA + e] = c;
        if (c > mx[k]) {
          mx[k] = c;
          out |= 1u << k;
        }
      }
    }
    pooled[((frame * OH + site.y) * OW + site.x) * WORDS + word] = out;
  }
  for (var k = 0u; k < cn; k++) {
    maxima[base + k] = mx[k];
    for (var e = 0u; e < area; e++) { counts[(base + k) * area + e] = cnt[k * MAX_AREA + e]; }
  }
}
