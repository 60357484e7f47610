export { conv, packConvWeights, pooledConstants, pooledInvocations, type ConvKernelParams, type PooledOutput, type PoolParams } from './conv.js';
export { depthwise, depthwiseInvocations, depthwiseOutputBytes, packDepthwiseWeights, type DepthwiseKernelParams } from './depthwise.js';
export { epilogueConstants, type EpilogueParams } from './epilogue.js';
export {
  chooseEncoding,
  encodingFlags,
  packActivation,
  packBytes,
  packTileWeights,
  rowWords,
  TILE,
  tilesFor,
  wordsFor,
  type WeightEncoding,
} from './pack.js';
export { pixelEvents, pixelEventsBytes, pixelEventsInvocations, type PixelEventsKernelParams } from './pixel-events.js';
export { packPointwiseWeights, pointwise, type PointwiseKernelParams } from './pointwise.js';
export { preprocess } from './preprocess.js';
