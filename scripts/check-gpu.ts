// Smoke check run by scripts/setup.sh: acquires a WebGPU device the way spikemesh does and
// prints the adapter. setup.sh looks for the "webgpu adapter:" line rather than the exit code,
// because Dawn on SwiftShader can crash at process exit after all work is done (DESIGN.md 6).
import { acquireDevice } from '../src/gpu/index.js';

const { device, info } = await acquireDevice();
const kind = info.software ? 'software (CPU)' : 'hardware';
console.log(`webgpu adapter: ${[info.vendor, info.architecture, info.device, info.description].filter(Boolean).join(' / ')} [${kind}]`);
console.log(`  maxStorageBufferBindingSize ${device.limits.maxStorageBufferBindingSize}, maxComputeWorkgroupsPerDimension ${device.limits.maxComputeWorkgroupsPerDimension}`);
device.destroy();
process.exit(0);
