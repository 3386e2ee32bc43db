/**
 * Synthesizes one stage with the cdk-nag AwsSolutions pack attached (as `npm run synth` does)
 * into a temporary directory, and collects what the tests look at: the template, the validation
 * violations if synthesis was refused, and every acknowledgement with its reason.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { buildApp, type BuildAppOptions } from '../../../infra/lib/buildApp.ts';
import type { AdstreamStack } from '../../../infra/lib/adstreamStack.ts';

export interface Violation {
  plugin: string;
  rule: string;
  severity: string;
  paths: string[];
}

export interface Acknowledgement {
  path: string;
  id: string;
  reason: string;
}

export interface SynthesizedStage {
  stack: AdstreamStack;
  template: Template;
  /** Empty when synthesis (with cdk-nag) passed. */
  violations: Violation[];
  acknowledgements: Acknowledgement[];
  outdir: string;
  cleanup(): void;
}

interface Report {
  pluginReports: { pluginName: string; violations: { ruleName: string; severity: string; violatingConstructs: { constructPath: string }[] }[] }[];
}

export function synthStage(options: BuildAppOptions = {}): SynthesizedStage {
  const outdir = mkdtempSync(join(tmpdir(), 'adstream-cdk-'));
  const { app, stack } = buildApp({ ...options, outdir });
  let violations: Violation[] = [];
  try {
    app.synth();
  } catch (error) {
    const reportFile = join(outdir, 'validation-report.json');
    if (!existsSync(reportFile)) throw error;
    const report = JSON.parse(readFileSync(reportFile, 'utf8')) as Report;
    violations = report.pluginReports.flatMap((plugin) =>
      plugin.violations.map((v) => ({ plugin: plugin.pluginName, rule: v.ruleName, severity: v.severity, paths: v.violatingConstructs.map((c) => c.constructPath) })),
    );
  }
  const acknowledgements = app.node.findAll().flatMap((construct) =>
    construct.node.metadata
      .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      // Each entry maps rule ids (`Annotation::AwsSolutions-S1`) to reasons.
      .flatMap((entry) => Object.entries(entry.data as Record<string, string>).map(([id, reason]) => ({ path: construct.node.path, id, reason }))),
  );
  // Template.fromStack re-synthesizes; read the assembly already written instead.
  const template = Template.fromJSON(JSON.parse(readFileSync(join(outdir, `${stack.stackName}.template.json`), 'utf8')));
  return { stack, template, violations, acknowledgements, outdir, cleanup: () => rmSync(outdir, { recursive: true, force: true }) };
}

/** Every statement of every identity policy in the template. */
export function policyStatements(template: Template): { policy: string; actions: string[]; resources: unknown[] }[] {
  return Object.entries(template.findResources('AWS::IAM::Policy')).flatMap(([policy, resource]) =>
    (resource.Properties.PolicyDocument.Statement as { Action: string | string[]; Resource: unknown }[]).map((s) => ({
      policy,
      actions: ([] as string[]).concat(s.Action),
      resources: ([] as unknown[]).concat(s.Resource),
    })),
  );
}

/** The logical id of the only resource of `type` whose logical id starts with `prefix`. */
export function logicalId(template: Template, type: string, prefix: string): string {
  const ids = Object.keys(template.findResources(type)).filter((id) => id.startsWith(prefix));
  if (ids.length !== 1) throw new Error(`expected one ${type} starting with ${prefix}, found ${ids.join(', ') || 'none'}`);
  return ids[0];
}
