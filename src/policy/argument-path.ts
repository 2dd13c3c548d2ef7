/** One step into a call's arguments: a property, an array index, or every element (`[*]`). */
export type Step = { key: string } | { index: number } | { each: true };

/** Splits a path the schema accepted (`args.items[0].sku`, `args.tags[*]`, `args["odd key"]`) into steps. */
export function parsePath(path: string): Step[] {
  const steps: Step[] = [];
  const pattern = /\.([A-Za-z_$][\w$-]*)|\[(\d+)\]|\[(\*)\]|\["((?:[^"\\]|\\.)*)"\]/y;
  pattern.lastIndex = 'args'.length;
  while (pattern.lastIndex < path.length) {
    const match = pattern.exec(path);
    if (!match) throw new Error(`not an argument path: ${path}`);
    if (match[1] !== undefined) steps.push({ key: match[1] });
    else if (match[2] !== undefined) steps.push({ index: Number(match[2]) });
    else if (match[3] !== undefined) steps.push({ each: true });
    else steps.push({ key: JSON.parse(`"${match[4]}"`) as string });
  }
  return steps;
}

/**
 * Every value the path reaches in `args`; several when it passes through `[*]`, none when it leads nowhere.
 * Only own properties are read, so a path never reaches into an object's prototype.
 */
export function resolvePath(args: unknown, steps: readonly Step[]): unknown[] {
  let current: unknown[] = [args];
  for (const step of steps) {
    const next: unknown[] = [];
    for (const value of current) {
      if ('each' in step) {
        if (Array.isArray(value)) next.push(...value);
      } else if ('index' in step) {
        if (Array.isArray(value) && step.index < value.length) next.push(value[step.index]);
      } else if (typeof value === 'object' && value !== null && !Array.isArray(value) && Object.hasOwn(value, step.key)) {
        next.push((value as Record<string, unknown>)[step.key]);
      }
    }
    current = next;
  }
  return current;
}

/**
 * The path through these keys, as a policy writes it: `args.method.name`, with `["odd key"]` for a key that is no
 * plain name (and so could be read as an index, a `[*]` or a second step).
 */
export function pathTo(...keys: string[]): string {
  return `args${keys.map((key) => (/^[A-Za-z_$][\w$-]*$/.test(key) ? `.${key}` : `[${JSON.stringify(key)}]`)).join('')}`;
}
