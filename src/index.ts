// The public API of spikemesh (re-exports only).
export * from './model/types.js';
export { inferShapes, layerOutputShape, shapeSize } from './model/shapes.js';
export { referenceForward } from './reference/index.js';
export { acquireDevice, wrapDevice, GpuRunner, type AcquiredDevice, type DeviceInfo } from './gpu/index.js';
export * from './data/index.js';
export * from './scheduler/mesh-api.js';
export * from './convert/index.js';
