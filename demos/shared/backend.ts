// Which backend a page runs on: WebGPU when the browser offers an adapter, otherwise a panel at
// the top of the page says what is missing and where WebGPU is available, and offers the CPU
// reference backend (the integer oracle in plain TypeScript: slower, the same integers).
import { defaultDevice, type AcquiredDevice } from '../../src/index.js';
import { messageOf } from './page.js';

export type PageBackend =
  | { kind: 'webgpu'; acquired: AcquiredDevice }
  | { kind: 'reference'; /** why WebGPU is not used */ why: string };

/** Why this browser gives no WebGPU device, or null when it does (the device is then returned). */
async function tryWebGpu(): Promise<{ acquired: AcquiredDevice } | { why: string }> {
  if (!window.isSecureContext) return { why: 'this page is not in a secure context (WebGPU needs https:// or http://localhost)' };
  if (!('gpu' in navigator) || !navigator.gpu) return { why: 'this browser does not expose WebGPU (navigator.gpu is missing)' };
  try {
    return { acquired: await defaultDevice() };
  } catch (err) {
    console.warn('WebGPU device request failed:', err);
    return { why: `the browser exposes WebGPU but gave no device: ${messageOf(err)}` };
  }
}

/**
 * WebGPU if available; otherwise shows the panel (inserted after the page's lead paragraph)
 * and resolves once the visitor chose to continue on the reference backend.
 */
export async function chooseBackend(what: string): Promise<PageBackend> {
  const got = await tryWebGpu();
  if ('acquired' in got) return { kind: 'webgpu', acquired: got.acquired };
  console.warn(`WebGPU unavailable: ${got.why}`);
  const panel = document.createElement('section');
  panel.id = 'no-webgpu';
  panel.className = 'notice';
  panel.setAttribute('role', 'alert');
  const h = document.createElement('h2');
  h.textContent = 'WebGPU is not available in this browser';
  const why = document.createElement('p');
  why.textContent = `Why: ${got.why}.`;
  const where = document.createElement('ul');
  for (const line of [
    'Chrome or Edge 113 or later on Windows, macOS and ChromeOS: on by default.',
    'Chrome on Linux: enable chrome://flags/#enable-unsafe-webgpu, or start Chrome with --enable-unsafe-webgpu (without a GPU also --enable-unsafe-swiftshader --use-webgpu-adapter=swiftshader).',
    'Chrome 121 or later on Android 12+ (recent Qualcomm and ARM GPUs).',
    'Firefox 141 or later on Windows; Safari 26 on macOS, iOS and iPadOS.',
    'In every browser: over https:// or http://localhost.',
  ]) {
    const li = document.createElement('li');
    li.textContent = line;
    where.append(li);
  }
  const offer = document.createElement('p');
  offer.textContent = `You can continue on the CPU reference backend: the same integer arithmetic in plain TypeScript, slower (${what}).`;
  const button = document.createElement('button');
  button.type = 'button';
  button.id = 'use-reference';
  button.textContent = 'Continue on the CPU reference backend';
  panel.append(h, why, where, offer, button);
  const anchor = document.querySelector('p.lead') ?? document.querySelector('h1');
  anchor?.after(panel);
  await new Promise<void>((resolve) => button.addEventListener('click', () => resolve(), { once: true }));
  button.disabled = true;
  button.textContent = 'Running on the CPU reference backend';
  return { kind: 'reference', why: got.why };
}
