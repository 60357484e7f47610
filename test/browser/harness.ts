// Browser test harness: a vite dev server over the repository (the demos as users run them)
// and headless Chromium driven by puppeteer-core, with WebGPU on SwiftShader (DESIGN.md 6).
import { existsSync, mkdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createNetServer } from 'node:net';
import { tmpdir } from 'node:os';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import { createServer, type ViteDevServer } from 'vite';
import { afterAll, beforeAll } from 'vitest';

export const REPO_ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '../..');
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/**
 * Chromium flags. WebGPU on Linux is behind --enable-unsafe-webgpu; with no GPU the adapter is
 * SwiftShader's Vulkan. SPIKEMESH_BROWSER_ADAPTER=hardware drops the SwiftShader flags to use
 * the machine's GPU. The rest keeps a test browser quiet and off the network.
 */
export function chromiumArgs(webgpu = true): string[] {
  const swiftshader = process.env.SPIKEMESH_BROWSER_ADAPTER !== 'hardware';
  return [
    '--headless=new',
    '--no-sandbox', // root in containers and CI
    // without webgpu: none of the WebGPU flags, and WebGPU switched off, as in a browser that lacks it
    ...(webgpu ? ['--enable-unsafe-webgpu', ...(swiftshader ? ['--enable-unsafe-swiftshader', '--use-webgpu-adapter=swiftshader'] : []), '--enable-features=Vulkan'] : ['--disable-features=WebGPU']),
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--disable-default-apps',
    '--no-first-run',
    '--disable-quic',
  ];
}

async function freePort(): Promise<number> {
  const server = createNetServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  await new Promise((r) => server.close(r));
  return port;
}

/** The repository served by vite (the project's vite.config.ts), at http://localhost:<port>. */
export async function startDevServer(): Promise<{ url: string; server: ViteDevServer }> {
  const port = await freePort();
  const server = await createServer({
    root: REPO_ROOT,
    configFile: join(REPO_ROOT, 'vite.config.ts'),
    logLevel: 'error',
    clearScreen: false,
    server: { host: 'localhost', port, strictPort: true, hmr: false, watch: null },
  });
  await server.listen();
  // navigator.gpu needs a secure context: http://localhost is one, a LAN address is not.
  return { url: `http://localhost:${port}`, server };
}

/** `webgpu: false` starts Chromium without the WebGPU flags (the pages' no-WebGPU path). */
export async function launchChromium(webgpu = true): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`Chromium not found at ${CHROMIUM}: run 'npm run setup' (apt-get install chromium) or set CHROMIUM_PATH`);
  }
  return puppeteer.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: chromiumArgs(webgpu),
    // no userDataDir: puppeteer makes a fresh profile per launch and removes it on close
    protocolTimeout: 180_000,
  });
}

export interface OpenedPage {
  page: Page;
  /** console errors, uncaught page errors, failed requests and HTTP errors, in order */
  errors: string[];
}

/** Opens `url` in a new page and records everything that goes wrong in it. */
export async function openPage(browser: Browser, url: string): Promise<OpenedPage> {
  const page = await browser.newPage();
  const errors: string[] = [];
  page.on('console', (msg) => {
    if (msg.type() === 'error') errors.push(`console.error: ${msg.text()}`);
  });
  page.on('pageerror', (err) => errors.push(`page error: ${err instanceof Error ? err.stack ?? err.message : String(err)}`));
  page.on('requestfailed', (req) => errors.push(`request failed: ${req.url()} (${req.failure()?.errorText})`));
  page.on('response', (res) => {
    if (res.status() >= 400) errors.push(`HTTP ${res.status()}: ${res.url()}`);
  });
  const response = await page.goto(url, { waitUntil: 'load' });
  if (!response?.ok()) errors.push(`HTTP ${response?.status()}: ${url}`);
  return { page, errors };
}

/** Where screenshots go: kept after the test (the path is printed), overwritten by the next run. */
export function screenshotDir(): string {
  const dir = join(tmpdir(), 'spikemesh-screens');
  mkdirSync(dir, { recursive: true });
  return dir;
}

export interface DemoBrowser {
  /** Chromium, once the file's tests run */
  browser(): Browser;
  /** the dev server's http://localhost:<port> */
  base(): string;
}

/**
 * Registers the hooks that start the dev server and Chromium before a test file's tests and
 * close them after; a file's own beforeAll (registered after this call) runs once they are up.
 */
export function useDemoBrowser(options: { webgpu?: boolean } = {}): DemoBrowser {
  let server: ViteDevServer | undefined;
  let browser: Browser | undefined;
  let base = '';
  beforeAll(async () => {
    const dev = await startDevServer();
    server = dev.server;
    base = dev.url;
    browser = await launchChromium(options.webgpu ?? true);
  }, 150_000);
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });
  return {
    browser: () => {
      if (!browser) throw new Error('useDemoBrowser: Chromium starts in beforeAll');
      return browser;
    },
    base: () => base,
  };
}

/** The links of the demos index page (/demos/), and what went wrong loading it. */
export async function demoLinks(d: DemoBrowser): Promise<{ links: (string | null)[]; errors: string[] }> {
  const { page, errors } = await openPage(d.browser(), `${d.base()}/demos/`);
  const links = await page.$$eval('ul.demos a', (as) => as.map((a) => a.getAttribute('href')));
  await page.close();
  return { links, errors };
}

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.css': 'text/css', '.json': 'application/json',
  '.bin': 'application/octet-stream', '.wasm': 'application/wasm', '.svg': 'image/svg+xml', '.png': 'image/png',
};

/**
 * A plain static file server over `dir` (node:http, what any host does: files by path,
 * index.html for a directory, 404 otherwise), at http://localhost:<port>.
 */
export async function serveStatic(dir: string): Promise<{ url: string; server: Server }> {
  const root = resolve(dir);
  const server = createHttpServer((req, res) => {
    void (async () => {
      const path = decodeURIComponent(new URL(req.url ?? '/', 'http://localhost').pathname);
      let file = normalize(join(root, path));
      if (file !== root && !file.startsWith(root + sep)) {
        res.writeHead(403).end();
        return;
      }
      if (path.endsWith('/')) file = join(file, 'index.html');
      try {
        const body = await readFile(file);
        res.writeHead(200, { 'Content-Type': MIME[extname(file)] ?? 'application/octet-stream', 'Content-Length': body.length });
        res.end(body);
      } catch {
        res.writeHead(404).end('not found');
      }
    })();
  });
  const port = await freePort();
  await new Promise<void>((r) => server.listen(port, 'localhost', r));
  return { url: `http://localhost:${port}`, server };
}
