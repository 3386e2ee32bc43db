/** Command-line context for the app entry when it runs without the CDK CLI. */

/** `-c a=b --context c=d` → { a: 'b', c: 'd' }; anything else is a usage mistake. */
export function parseContextArgs(argv: readonly string[]): Record<string, string> {
  const context: Record<string, string> = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    let pair: string | undefined;
    if (arg === '-c' || arg === '--context') pair = argv[++i];
    else if (arg.startsWith('--context=')) pair = arg.slice('--context='.length);
    else throw new Error(`unexpected argument "${arg}"; pass context as -c key=value.`);
    const eq = pair?.indexOf('=') ?? -1;
    if (pair === undefined || eq < 1) throw new Error(`context must be key=value, but got "${pair ?? ''}".`);
    context[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return context;
}
