// Linear invocation index of a 1D kernel whose dispatch the runner folded into 2D
// (GpuRunner.grid): x varies fastest. WG_SIZE is the kernel's workgroup size.
fn linear_index(gid: vec3<u32>, nwg: vec3<u32>, wg_size: u32) -> u32 {
  return gid.x + gid.y * nwg.x * wg_size;
}
