const holder = globalThis as unknown as { __vigilPerObject?: Map<string, WeakMap<object, unknown>> };

/**
 * One value per (kind, owner) for the whole process — e.g. one audit batcher per database
 * handle. Kept on globalThis so the fast lane's and Next's copies of a module share it, and
 * in a WeakMap so a closed handle (tests open several) takes its value with it.
 */
export function perObject<K extends object, V>(kind: string, owner: K, create: (owner: K) => V): V {
  const registry = (holder.__vigilPerObject ??= new Map());
  let values = registry.get(kind);
  if (!values) {
    values = new WeakMap();
    registry.set(kind, values);
  }
  if (!values.has(owner)) values.set(owner, create(owner));
  return values.get(owner) as V;
}
