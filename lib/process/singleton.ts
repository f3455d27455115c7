/**
 * Per-process state. Kept on globalThis because one process can hold several copies of a
 * module: the fast lane's bundle (dist/server.mjs) and Next's own bundles both load lib/,
 * and Next's dev server reloads modules. State that must be one per process (the database
 * handle, the keyring, the configuration) therefore cannot live in a module variable.
 *
 * This is the floor under every other: it imports nothing, so even lib/config can use it.
 */
const registry = globalThis as unknown as { __vigil?: Map<string, unknown>; __vigilPerObject?: Map<string, WeakMap<object, unknown>> };

/**
 * The process's one value under `name`, made by `create` on first use. Mutable state is a
 * slot object (`{ value?: T }`) whose fields the owner changes; the slot itself never is.
 */
export function processSingleton<T>(name: string, create: () => T): T {
  const values = (registry.__vigil ??= new Map());
  if (!values.has(name)) values.set(name, create());
  return values.get(name) as T;
}

/**
 * One value per (kind, owner) for the whole process — e.g. one audit batcher per database
 * handle. In a WeakMap, so a closed handle (tests open several) takes its value with it.
 */
export function perObject<K extends object, V>(kind: string, owner: K, create: (owner: K) => V): V {
  const kinds = (registry.__vigilPerObject ??= new Map());
  let values = kinds.get(kind);
  if (!values) {
    values = new WeakMap();
    kinds.set(kind, values);
  }
  if (!values.has(owner)) values.set(owner, create(owner));
  return values.get(owner) as V;
}

/**
 * Starts `create` once and keeps its promise in `holder[key]` for every later caller; if
 * it fails, the promise is forgotten so the next caller tries again (a database that was
 * down at the first request must not stay "down" forever).
 */
export function onceUnlessFailed<K extends string, T>(holder: { [P in K]?: Promise<T> }, key: K, create: () => Promise<T>): Promise<T> {
  const held = holder[key];
  if (held) return held;
  const started = create().catch((error: unknown) => {
    delete holder[key];
    throw error;
  });
  holder[key] = started as (typeof holder)[K];
  return started;
}
