/**
 * Finds a key in a JSON value that would change an object's prototype in a server that copies or merges it the
 * common ways (`Object.assign`, a naive deep merge): `__proto__`, or `prototype` under `constructor`. JSON.parse keeps
 * such a key as a plain property, so the gateway and its policy read it harmlessly, but the server it reaches may
 * not. Returns the key's path (`args.a.__proto__`), or undefined. Iterative: a deeply nested value cannot exhaust the
 * stack.
 */
export function pollutingKey(value: unknown, root = 'args'): string | undefined {
  const pending: [unknown, string][] = [[value, root]];
  while (pending.length > 0) {
    const [node, path] = pending.pop()!;
    if (typeof node !== 'object' || node === null) continue;
    if (Array.isArray(node)) {
      node.forEach((item, i) => pending.push([item, `${path}[${i}]`]));
      continue;
    }
    for (const key of Object.keys(node)) {
      if (key === '__proto__') return `${path}.__proto__`;
      const child = (node as Record<string, unknown>)[key];
      if (key === 'constructor' && typeof child === 'object' && child !== null && Object.hasOwn(child, 'prototype')) return `${path}.constructor.prototype`;
      pending.push([child, `${path}.${key}`]);
    }
  }
  return undefined;
}
