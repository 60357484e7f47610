export { acquireDevice, defaultDevice, setDefaultDevice, getGPU, isNode, wrapDevice, type AcquiredDevice, type AcquireOptions, type DeviceInfo } from './device.js';
export { wgsl, type Kernel } from './kernel.js';
export { GpuRunner, type BufferUsage } from './runner.js';
