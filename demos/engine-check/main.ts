// The engine-check page: shows the adapter, runs the checks, and publishes the outcome as
// window.__result for the browser tests (test/browser/engine-check.test.ts).
import { acquireDevice, GpuRunner, type DeviceInfo } from '../../src/index.js';
import { checkActivation, checkRandomModels, type CheckResult } from './checks.js';

export interface EngineCheckResult {
  pass: boolean;
  adapter?: DeviceInfo;
  checks: CheckResult[];
  error?: string;
}

declare global {
  interface Window {
    __result?: EngineCheckResult;
  }
}

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

function cell(row: HTMLTableRowElement, text: string, className?: string): void {
  const td = row.insertCell();
  td.textContent = text;
  if (className) td.className = className;
}

function showAdapter(info: DeviceInfo, limits: GPUSupportedLimits): void {
  const body = $<HTMLTableElement>('adapter').tBodies[0]!;
  body.replaceChildren();
  const rows: Array<[string, string]> = [
    ['vendor', info.vendor || '—'],
    ['architecture', info.architecture || '—'],
    ['device', info.device || '—'],
    ['description', info.description || '—'],
    ['kind', info.software ? 'software (runs on the CPU)' : 'hardware'],
    ['maxStorageBufferBindingSize', `${(limits.maxStorageBufferBindingSize / 2 ** 20).toFixed(0)} MiB`],
    ['maxComputeWorkgroupsPerDimension', String(limits.maxComputeWorkgroupsPerDimension)],
  ];
  for (const [k, v] of rows) {
    const row = body.insertRow();
    const th = document.createElement('th');
    th.textContent = k;
    row.append(th);
    cell(row, v);
  }
}

function showCheck(c: CheckResult): void {
  const row = $<HTMLTableElement>('checks').tBodies[0]!.insertRow();
  cell(row, c.name);
  cell(row, c.what);
  cell(row, c.values.toLocaleString('en'), 'num');
  cell(row, c.pass ? 'equal' : `${c.mismatches} differ (${c.firstMismatch})`, c.pass ? 'pass' : 'fail');
  cell(row, c.ms.toFixed(0), 'num');
}

function finish(result: EngineCheckResult): void {
  const status = $('status');
  status.textContent = result.error ? 'error' : result.pass ? `all ${result.checks.length} checks pass` : 'some checks fail';
  status.className = result.pass ? 'pass' : 'fail';
  if (result.error) {
    const pre = $('error');
    pre.textContent = result.error;
    pre.hidden = false;
  }
  window.__result = result;
}

async function run(): Promise<void> {
  const checks: CheckResult[] = [];
  let adapter: DeviceInfo | undefined;
  try {
    const acquired = await acquireDevice();
    adapter = acquired.info;
    showAdapter(acquired.info, acquired.device.limits);
    $('status').textContent = 'running…';
    const runner = new GpuRunner(acquired.device);
    for (const check of [checkActivation, checkRandomModels]) {
      const c = await check(runner);
      checks.push(c);
      showCheck(c);
    }
    runner.dispose();
    finish({ pass: checks.every((c) => c.pass), adapter, checks });
  } catch (err) {
    const error = err instanceof Error ? `${err.message}\n${err.stack ?? ''}` : String(err);
    console.error(`engine-check: ${error}`);
    finish({ pass: false, adapter, checks, error });
  }
}

void run();
