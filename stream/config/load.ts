/** Reads configuration from defaults, then the environment, then explicit overrides (CLI flags). */
import { configSchema, type AdstreamConfig, type ConfigKey, type OptionSpec } from './schema.ts';

/** A configuration mistake: its message is one sentence saying what is wrong and how to fix it. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

function parseValue(key: string, spec: OptionSpec, raw: string | number, source: string): string | number {
  const text = String(raw).trim();
  switch (spec.kind) {
    case 'duration_ms':
    case 'integer': {
      const value = Number(text);
      if (!Number.isSafeInteger(value) || value < 0) {
        throw new ConfigError(`${key} (${source}) must be a non-negative whole number, e.g. ${spec.example}, but is "${text}".`);
      }
      return value;
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
      return text;
  }
}

export function loadConfig(
  overrides: Partial<Record<ConfigKey, string | number | undefined>> = {},
  env: NodeJS.ProcessEnv = process.env,
): AdstreamConfig {
  const config: Record<string, string | number | undefined> = {};
  for (const [key, spec] of Object.entries(configSchema) as [ConfigKey, OptionSpec][]) {
    const override = overrides[key];
    const fromEnv = env[spec.env];
    if (override !== undefined) config[key] = parseValue(key, spec, override, 'command line');
    else if (fromEnv !== undefined && fromEnv !== '') config[key] = parseValue(key, spec, fromEnv, `environment ${spec.env}`);
    else config[key] = spec.default;
  }
  return config as AdstreamConfig;
}

/** The README's option table, generated from the schema so it cannot drift. */
export function configMarkdown(): string {
  const lines = ['| option | environment | default | description | example |', '|---|---|---|---|---|'];
  for (const [key, spec] of Object.entries(configSchema) as [string, OptionSpec][]) {
    const values = spec.values ? ` One of: ${spec.values.join(', ')}.` : '';
    lines.push(`| \`${key}\` | \`${spec.env}\` | ${spec.default === undefined ? '(unset)' : `\`${spec.default}\``} | ${spec.description}${values} | \`${spec.example}\` |`);
  }
  return lines.join('\n');
}
