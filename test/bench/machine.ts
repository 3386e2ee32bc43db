/** Where the numbers came from: date, Node, CPU model and core count. */
import { readFileSync } from 'node:fs';
import { availableParallelism, cpus } from 'node:os';

export interface Machine {
  date: string;
  node: string;
  cpu: string;
  cores: number;
}

function cpuModel(): string {
  try {
    const match = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'));
    if (match) return match[1].trim();
  } catch {
    // not Linux: fall back to what Node reports
  }
  return cpus()[0]?.model ?? 'unknown';
}

export function describeMachine(): Machine {
  return { date: new Date().toISOString(), node: process.version, cpu: cpuModel(), cores: availableParallelism() };
}
