/**
 * Reads configuration from defaults, then a configuration file (ADSTREAM_CONFIG), then the
 * environment, then explicit overrides (CLI flags).
 */
import { readFileSync } from 'node:fs';
import { configSchema, type AdstreamConfig, type ConfigKey, type OptionSpec } from './schema.ts';
import { didYouMean } from './didYouMean.ts';
import { parseGroupings } from '../pipeline/dimensions.ts';

/** A configuration mistake: its message is one sentence saying what is wrong and how to fix it. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

const BYTE_UNITS: Record<string, number> = { '': 1, b: 1, kb: 1e3, mb: 1e6, gb: 1e9, kib: 1024, mib: 1024 ** 2, gib: 1024 ** 3 };

/** "8MiB", "128 MB", "1GiB" or a plain number of bytes; undefined when it is none of these. */
function parseBytes(text: string): number | undefined {
  const match = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/i.exec(text);
  const unit = match ? BYTE_UNITS[match[2].toLowerCase()] : undefined;
  if (!match || unit === undefined) return undefined;
  // A size in units (1.1MiB) rounds to the byte; a number of bytes must be whole: rounding 0.4 to 0
  // turned a size into "roll after every read".
  const value = unit === 1 ? Number(match[1]) : Math.round(Number(match[1]) * unit);
  return Number.isSafeInteger(value) ? value : undefined;
}

/** Sizes in the README table read as 8MiB rather than 8388608. */
export function formatBytes(bytes: number): string {
  for (const [unit, size] of [['GiB', 1024 ** 3], ['MiB', 1024 ** 2], ['KiB', 1024]] as const) {
    if (bytes >= size && bytes % size === 0) return `${bytes / size}${unit}`;
  }
  return String(bytes);
}

function inRange(key: string, spec: OptionSpec, value: number, source: string, text: string): number {
  if (spec.min !== undefined && value < spec.min) throw new ConfigError(`${key} (${source}) must be at least ${spec.min}, but is "${text}".`);
  if (spec.max !== undefined && value > spec.max) {
    const max = spec.kind === 'bytes' ? formatBytes(spec.max) : String(spec.max);
    throw new ConfigError(`${key} (${source}) must be at most ${max}, but is "${text}".`);
  }
  return value;
}

/**
 * `text` as a number when written in decimal digits (an exponent allowed: 1e4), else NaN: Number()
 * also reads "0x10" as 16, "0b11" as 3, "0o17" as 15 and "" as 0, so a value an operator mistyped
 * or meant otherwise ran as some other number without a word. The configuration's whole numbers
 * and the commands' whole-number flags (wholeNumberOption.ts) both read numbers so.
 */
export const decimalNumber = (text: string): number => (/^\+?(\d+\.?\d*|\.\d+)(e\+?\d+)?$/i.test(text) ? Number(text) : NaN);

function parseValue(key: string, spec: OptionSpec, raw: string | number, source: string): string | number {
  const text = String(raw).trim();
  switch (spec.kind) {
    case 'duration_ms':
    case 'integer': {
      const value = decimalNumber(text);
      if (!Number.isSafeInteger(value) || value < 0) {
        throw new ConfigError(`${key} (${source}) must be a non-negative whole number, e.g. ${spec.example}, but is "${text}".`);
      }
      return inRange(key, spec, value, source, text);
    }
    case 'bytes': {
      const value = parseBytes(text);
      if (value === undefined) {
        throw new ConfigError(`${key} (${source}) must be a whole number of bytes, or a size such as ${spec.example}, 64KiB or 1048576, but is "${text}".`);
      }
      return inRange(key, spec, value, source, text);
    }
    case 'url':
      if (!/^https?:\/\/[^/]+/.test(text)) {
        throw new ConfigError(`${key} (${source}) must be an http(s) URL such as ${spec.example}, but is "${text}".`);
      }
      return text.replace(/\/+$/, '');
    case 'enum':
      if (!spec.values!.includes(text)) {
        throw new ConfigError(`${key} (${source}) must be one of ${spec.values!.join(', ')}, but is "${text}".`);
      }
      return text;
    default:
      if (text === '') throw new ConfigError(`${key} (${source}) must not be empty.`);
      if (spec.pattern && !spec.pattern.test(text)) throw new ConfigError(`${key} (${source}) must be ${spec.patternHint}, such as ${spec.example}, but is "${text}".`);
      return text;
  }
}

/**
 * A configuration file (JSON: option names as keys, e.g. `{"stream": "ads", "failoverTimeMs": 20000}`),
 * named by `ADSTREAM_CONFIG`. It sits between the defaults and the environment.
 */
function readConfigFile(path: string): Record<string, string | number> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason = code === 'ENOENT' ? 'does not exist' : code === 'EISDIR' ? 'is a directory, not a file' : `is not valid JSON (${(error as Error).message})`;
    throw new ConfigError(`the configuration file ${path} (ADSTREAM_CONFIG) ${reason}.`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new ConfigError(`the configuration file ${path} must hold a JSON object of option names and values.`);
  }
  for (const [key, value] of Object.entries(parsed)) {
    if (!(key in configSchema)) {
      throw new ConfigError(`the configuration file ${path} names an unknown option "${key}"${didYouMean(key, Object.keys(configSchema))}; the options are listed by "adstream config --markdown".`);
    }
    if (typeof value !== 'string' && typeof value !== 'number') {
      throw new ConfigError(`${key} in the configuration file ${path} must be a string or a number.`);
    }
    // A number where text is meant is a slip (a stream named 5 is spelt "5"): taken as text, it
    // would pass unnoticed, where every other wrong value stops the command.
    const { kind } = configSchema[key as ConfigKey] as OptionSpec;
    if (typeof value === 'number' && (kind === 'string' || kind === 'url' || kind === 'enum')) {
      throw new ConfigError(`${key} in the configuration file ${path} must be a string in quotes, not the number ${value}.`);
    }
  }
  return parsed as Record<string, string | number>;
}

/** ADSTREAM_ variables that are not options: the config file's path, stack traces on failure, the CDK app's stage. */
const OTHER_VARIABLES = ['ADSTREAM_CONFIG', 'ADSTREAM_DEBUG', 'ADSTREAM_STAGE'];

/**
 * An ADSTREAM_ variable that names no option is a typo (ADSTREAM_STREEM), and its value would
 * otherwise be dropped without a word while the default ran: refused, with the nearest name.
 */
function refuseUnknownVariables(env: NodeJS.ProcessEnv): void {
  const known = [...Object.values(configSchema).map((spec: OptionSpec) => spec.env), ...OTHER_VARIABLES];
  for (const name of Object.keys(env).filter((n) => n.startsWith('ADSTREAM_')).sort()) {
    if (known.includes(name)) continue;
    throw new ConfigError(`the environment sets ${name}, which is no adstream option${didYouMean(name, known)}; the options and their variables are listed by "adstream config --markdown".`);
  }
}

export function loadConfig(
  overrides: Partial<Record<ConfigKey, string | number | undefined>> = {},
  env: NodeJS.ProcessEnv = process.env,
): AdstreamConfig {
  refuseUnknownVariables(env);
  const file = env.ADSTREAM_CONFIG ? readConfigFile(env.ADSTREAM_CONFIG) : {};
  const config: Record<string, string | number | undefined> = {};
  // Where each value came from, for the checks across options below (as parseValue names it for one).
  const source: Partial<Record<ConfigKey, string>> = {};
  for (const [key, spec] of Object.entries(configSchema) as [ConfigKey, OptionSpec][]) {
    const override = overrides[key];
    const fromEnv = env[spec.env];
    const given: [string | number, string] | undefined =
      override !== undefined ? [override, 'command line']
      : fromEnv !== undefined && fromEnv !== '' ? [fromEnv, `environment ${spec.env}`]
      : file[key] !== undefined ? [file[key], `file ${env.ADSTREAM_CONFIG}`]
      : undefined;
    source[key] = given?.[1];
    config[key] = given ? parseValue(key, spec, ...given) : spec.default;
  }
  const named = (key: ConfigKey): string => `${key} ${config[key]} (${source[key] ?? 'default'})`;
  const { windowMs, windowSlideMs } = config as AdstreamConfig;
  if (windowSlideMs !== undefined && windowSlideMs > windowMs) {
    throw new ConfigError(`${named('windowSlideMs')} must be at most ${named('windowMs')}: a slide longer than the window would leave events in no window.`);
  }
  // The detectors score every windowMs-th window (scoredWindowStartsEveryMs): it must be one of them.
  if (windowSlideMs !== undefined && windowMs % windowSlideMs !== 0) {
    throw new ConfigError(`${named('windowMs')} must be a whole number of ${named('windowSlideMs')}, so that the detectors can score non-overlapping windows.`);
  }
  // Checked here, where its source is known: where it is used, a value from the file was said to come from ADSTREAM_WINDOW_GROUPINGS.
  try {
    parseGroupings(String(config.windowGroupings));
  } catch (error) {
    throw new ConfigError(`windowGroupings (${source.windowGroupings ?? 'default'}) "${config.windowGroupings}" is not valid: ${(error as Error).message}.`);
  }
  return config as AdstreamConfig;
}

/** The README's option table, generated from the schema so it cannot drift. */
export function configMarkdown(): string {
  const lines = ['| option | environment | default | description | example |', '|---|---|---|---|---|'];
  for (const [key, spec] of Object.entries(configSchema) as [string, OptionSpec][]) {
    const values = spec.values ? ` One of: ${spec.values.join(', ')}.` : '';
    const shown = spec.kind === 'bytes' && typeof spec.default === 'number' ? formatBytes(spec.default) : spec.default;
    lines.push(`| \`${key}\` | \`${spec.env}\` | ${shown === undefined ? '(unset)' : `\`${shown}\``} | ${spec.description}${values} | \`${spec.example}\` |`);
  }
  return lines.join('\n');
}
