// GPUDevice acquisition: navigator.gpu in the browser, the `webgpu` package (Dawn) in Node.
// This is the only module that knows which environment it runs in.

export interface DeviceInfo {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  /** true when the adapter is a CPU implementation (SwiftShader) */
  software: boolean;
  environment: 'node' | 'browser';
}

export interface AcquiredDevice {
  device: GPUDevice;
  adapter: GPUAdapter;
  info: DeviceInfo;
  /** the GPU object that produced the adapter (navigator.gpu or Dawn's) */
  gpu: GPU;
}

export interface AcquireOptions {
  powerPreference?: GPUPowerPreference;
  /** features to enable when the adapter has them (never required) */
  optionalFeatures?: GPUFeatureName[];
}

const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';

export const isNode =
  typeof process !== 'undefined' && typeof process.versions === 'object' && !!process.versions.node &&
  typeof (globalThis as { window?: unknown }).window === 'undefined';

/** The GPU entry point of this environment, or an error that says what is missing. */
export async function getGPU(): Promise<GPU> {
  const nav = (globalThis as { navigator?: { gpu?: GPU } }).navigator;
  if (nav?.gpu) return nav.gpu;
  if (!isNode) {
    throw new Error('WebGPU is not available: navigator.gpu is undefined (use Chrome 113+ over http://localhost or https)');
  }
  await configureVulkanForNode();
  const name = 'webgpu';
  const dawn = (await import(/* @vite-ignore */ name)) as {
    create: (flags: string[]) => GPU;
    globals: Record<string, unknown>;
  };
  // Dawn's constants (GPUBufferUsage, ...) are needed as globals by any WebGPU code.
  for (const [k, v] of Object.entries(dawn.globals)) {
    if (!(k in globalThis)) (globalThis as Record<string, unknown>)[k] = v;
  }
  return dawn.create([]);
}

/**
 * Dawn runs on Vulkan. When the machine has a GPU device node (/dev/dri/renderD*, /dev/nvidia*),
 * use the system's Vulkan drivers; otherwise point the loader at SwiftShader (shipped by Debian's
 * chromium). The loader reads the variable when Dawn creates its instance, in the main thread.
 * SPIKEMESH_ADAPTER=swiftshader forces the CPU adapter; an explicit VK_ICD_FILENAMES wins.
 */
async function configureVulkanForNode(): Promise<void> {
  const env = process.env;
  env.XDG_RUNTIME_DIR ??= '/tmp';
  if (env.VK_ICD_FILENAMES || env.VK_DRIVER_FILES) return;
  if (env.SPIKEMESH_ADAPTER !== 'swiftshader' && (await hasGpuDeviceNode())) return;
  useSwiftShader();
}

async function hasGpuDeviceNode(): Promise<boolean> {
  const fs = await import(/* @vite-ignore */ 'node:fs');
  const dri = fs.existsSync('/dev/dri') ? fs.readdirSync('/dev/dri') : [];
  return dri.some((f) => f.startsWith('renderD')) || fs.readdirSync('/dev').some((f) => /^nvidia\d/.test(f));
}

function useSwiftShader(): void {
  process.env.VK_ICD_FILENAMES = SWIFTSHADER_ICD;
}

function describe(adapter: GPUAdapter, environment: 'node' | 'browser'): DeviceInfo {
  const i = adapter.info;
  const text = `${i.vendor} ${i.architecture} ${i.device} ${i.description}`;
  return {
    vendor: i.vendor,
    architecture: i.architecture,
    device: i.device,
    description: i.description,
    software: /swiftshader|llvmpipe|lavapipe|cpu/i.test(text) || (adapter as { isFallbackAdapter?: boolean }).isFallbackAdapter === true,
    environment,
  };
}

/**
 * Requests an adapter and a device with the adapter's real limits (not the defaults, which
 * cap storage buffers at 128 MiB). Device loss is reported on the console and through `onLost`.
 */
export async function acquireDevice(opts: AcquireOptions = {}, onLost?: (info: GPUDeviceLostInfo) => void): Promise<AcquiredDevice> {
  let gpu = await getGPU();
  const request = () => gpu.requestAdapter({ powerPreference: opts.powerPreference ?? 'high-performance' });
  let adapter = await request();
  if (!adapter && isNode && !process.env.VK_ICD_FILENAMES) {
    // A device node without a working Vulkan driver: fall back to SwiftShader.
    useSwiftShader();
    gpu = await getGPU();
    adapter = await request();
  }
  if (!adapter) {
    throw new Error(
      isNode
        ? `no WebGPU adapter: Dawn found no usable Vulkan device; install a GPU driver, or SwiftShader with 'apt-get install chromium libvulkan1' (${SWIFTSHADER_ICD}); see README, setup`
        : 'no WebGPU adapter: the browser offers none (check chrome://gpu, or launch with --enable-unsafe-webgpu)',
    );
  }
  const limits: Record<string, number> = {};
  for (const key of [
    'maxStorageBufferBindingSize',
    'maxBufferSize',
    'maxComputeWorkgroupsPerDimension',
    'maxComputeInvocationsPerWorkgroup',
    'maxComputeWorkgroupSizeX',
    'maxComputeWorkgroupSizeY',
    'maxComputeWorkgroupStorageSize',
    'maxStorageBuffersPerShaderStage',
  ] as const) {
    limits[key] = adapter.limits[key];
  }
  const features = (opts.optionalFeatures ?? ['timestamp-query']).filter((f) => adapter.features.has(f));
  const device = await adapter.requestDevice({ requiredLimits: limits, requiredFeatures: features, label: 'spikemesh' });
  device.lost.then((info) => {
    if (info.reason !== 'destroyed') console.error(`spikemesh: GPU device lost (${info.reason}): ${info.message}`);
    onLost?.(info);
  });
  return { device, adapter, gpu, info: describe(adapter, isNode ? 'node' : 'browser') };
}

/** Wraps an existing device (for example the one tfjs-backend-webgpu uses). */
export function wrapDevice(device: GPUDevice, adapter: GPUAdapter, gpu: GPU): AcquiredDevice {
  return { device, adapter, gpu, info: describe(adapter, isNode ? 'node' : 'browser') };
}

let shared: Promise<AcquiredDevice> | undefined;

/** One device shared by every model of this process (or page), acquired on first use. */
export function defaultDevice(): Promise<AcquiredDevice> {
  shared ??= acquireDevice().catch((err) => {
    shared = undefined;
    throw err;
  });
  return shared;
}

/** Makes `device` the shared device (for example tfjs-backend-webgpu's). */
export function setDefaultDevice(device: AcquiredDevice): void {
  shared = Promise.resolve(device);
}
