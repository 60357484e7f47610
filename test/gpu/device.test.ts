import { describe, expect, it } from 'vitest';
import { acquireDevice, GpuRunner } from '../../src/gpu/index.js';

describe('device', () => {
  it('acquires an adapter with its real limits and runs a dispatch', async () => {
    const { device, info } = await acquireDevice();
    expect(info.environment).toBe('node');
    expect(device.limits.maxStorageBufferBindingSize).toBeGreaterThan(128 * 1024 * 1024 - 1);
    const runner = new GpuRunner(device);
    const kernel = {
      name: 'double',
      workgroupSize: 64,
      cacheKey: () => '',
      source: `@group(0) @binding(0) var<storage, read_write> x: array<i32>;
        @compute @workgroup_size(64) fn main(@builtin(global_invocation_id) g: vec3<u32>) {
          if (g.x < arrayLength(&x)) { x[g.x] = x[g.x] * 2; } }`,
    };
    const data = Int32Array.from({ length: 1000 }, (_, i) => i - 500);
    const buf = runner.upload(data, 'x');
    const enc = device.createCommandEncoder();
    await runner.checked('double', () => runner.dispatch(enc, kernel, {}, [buf], runner.grid(1000, 64), 'double'));
    device.queue.submit([enc.finish()]);
    const out = new Int32Array(await runner.read(buf, 4000));
    expect(Array.from(out)).toEqual(Array.from(data, (v) => v * 2));
  });
});
