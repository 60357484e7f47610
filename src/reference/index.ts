export { activate, rescale } from './activation.js';
export { convPotentials, depthwisePotentials, densePotentials } from './conv.js';
export { applyActivation, poolAndActivate } from './pool.js';
export { layerForward, referenceForward, type ReferenceResult } from './forward.js';
