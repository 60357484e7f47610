export { acquireDevice, defaultDevice, setDefaultDevice, getGPU, isNode, wrapDevice, type AcquiredDevice, type AcquireOptions, type DeviceInfo } from './device.js';
export { wgsl, preprocess, hashText, kernelVariant, bindingDeclarations, type Binding, type BindingType, type Flags, type Kernel, type KernelVariant } from './kernel.js';
export { GpuRunner, type Bindings, type BufferUsage } from './runner.js';
