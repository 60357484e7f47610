// Invocation indexing. Kernels run 1D dispatches that the runner folds into 2D (GpuRunner.grid).

/** Linear invocation index (x varies fastest); wg_size is the kernel's workgroup size. */
fn linear_index(gid: vec3<u32>, nwg: vec3<u32>, wg_size: u32) -> u32 {
  return gid.x + gid.y * nwg.x * wg_size;
}

/**
 * What invocation t of a kernel laid out [sample][y][x][group] works on: one invocation per
 * sample (or frame), position of an h x w map and group of channels (a tile or a packed word).
 */
struct Site {
  n: u32,
  y: u32,
  x: u32,
  group: u32,
  /** (n * h + y) * w + x: the position's index over all samples */
  pixel: u32,
}

fn site_of(t: u32, h: u32, w: u32, groups: u32) -> Site {
  let pixel = t / groups;
  return Site(pixel / (w * h), (pixel / w) % h, pixel % w, t % groups, pixel);
}
