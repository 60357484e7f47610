import { describe, expect, it } from 'vitest';
import { acquireDevice, GpuRunner, type Kernel } from '../../src/gpu/index.js';

describe('device', () => {
  it('acquires an adapter with its real limits and runs a dispatch', async () => {
    const { device, info } = await acquireDevice();
    expect(info.environment).toBe('node');
    expect(device.limits.maxStorageBufferBindingSize).toBeGreaterThan(128 * 1024 * 1024 - 1);
    const runner = new GpuRunner(device);
    // `unused` is declared but not read by the WGSL: the layout comes from the declaration, so
    // it must still be bound (and binding it is valid)
    const kernel: Kernel<object> = {
      name: 'double',
      workgroupSize: 64,
      bindings: [
        { name: 'unused', type: 'read-only-storage', wgslType: 'array<u32>' },
        { name: 'x', type: 'storage', wgslType: 'array<i32>' },
      ],
      source: `@compute @workgroup_size(64) fn main(@builtin(global_invocation_id) g: vec3<u32>) {
          if (g.x < arrayLength(&x)) { x[g.x] = x[g.x] * 2; } }`,
    };
    const data = Int32Array.from({ length: 1000 }, (_, i) => i - 500);
    const buf = runner.upload(data, 'x');
    const unused = runner.upload(new Uint32Array(4), 'unused');
    const enc = device.createCommandEncoder();
    expect(() => runner.dispatch(enc, kernel, {}, { x: buf }, runner.grid(1000, 64), 'double')).toThrow(/'double'.*binding 'unused' is not given/);
    expect(() => runner.dispatch(enc, kernel, {}, { x: buf, unused, y: buf }, runner.grid(1000, 64), 'double')).toThrow(/'double'.*no binding 'y'/);
    await runner.checked('double', () => runner.dispatch(enc, kernel, {}, { x: buf, unused }, runner.grid(1000, 64), 'double'));
    device.queue.submit([enc.finish()]);
    const out = new Int32Array(await runner.read(buf, 4000));
    expect(Array.from(out)).toEqual(Array.from(data, (v) => v * 2));
  });
});
