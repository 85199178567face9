/**
 * Finds, before a job is sent, an argument that structured cloning would
 * refuse, so the error names the argument ("args[1].onDone is a function")
 * at the call instead of V8's "could not be cloned" from inside the pool.
 *
 * The walk does not copy anything: typed arrays and buffers are leaves, so a
 * 50 MB buffer costs one check. It is bounded (MAX_NODES): a huge object
 * graph is left to postMessage itself, whose error the pool still explains.
 */

const MAX_NODES = 10_000;

// Objects structured cloning refuses outright, whatever they contain.
const REFUSED: [new (...args: never[]) => object, string][] = [
  [WeakMap, "a WeakMap"],
  [WeakSet, "a WeakSet"],
  [Promise, "a Promise (await it first)"],
  [WeakRef, "a WeakRef"],
];

/**
 * Returns where the first uncloneable value among `values` is
 * (`"args[1].onDone is a function"`), or null; `root` names the list.
 */
export function findUncloneable(values: readonly unknown[], root = "args"): string | null {
  // The common case, plain numbers and strings, allocates nothing.
  let primitive = true;
  for (let i = 0; i < values.length && primitive; i++) {
    const type = typeof values[i];
    primitive = type !== "object" && type !== "function" && type !== "symbol";
  }
  if (primitive) return null;
  const seen = new Set<object>();
  let budget = MAX_NODES;
  const visit = (value: unknown, path: string): string | null => {
    if (typeof value === "function") return `${path} is a function`;
    if (typeof value === "symbol") return `${path} is a symbol`;
    if (typeof value !== "object" || value === null) return null;
    if (seen.has(value) || --budget < 0) return null;
    seen.add(value);
    if (ArrayBuffer.isView(value) || value instanceof ArrayBuffer) return null;
    if (value instanceof Date || value instanceof RegExp || value instanceof Error) return null;
    for (const [type, what] of REFUSED) {
      if (value instanceof type) return `${path} is ${what}`;
    }
    if (value instanceof Map) {
      let i = 0;
      for (const [k, v] of value) {
        const found = visit(k, `${path} key #${i}`) ?? visit(v, `${path}.get(${i})`);
        if (found !== null) return found;
        i++;
      }
      return null;
    }
    if (value instanceof Set) {
      let i = 0;
      for (const v of value) {
        const found = visit(v, `${path} item #${i}`);
        if (found !== null) return found;
        i++;
      }
      return null;
    }
    if (Array.isArray(value)) {
      for (let i = 0; i < value.length; i++) {
        const found = visit(value[i], `${path}[${i}]`);
        if (found !== null) return found;
      }
      return null;
    }
    for (const key of Object.keys(value)) {
      const found = visit((value as Record<string, unknown>)[key], `${path}.${key}`);
      if (found !== null) return found;
    }
    return null;
  };
  for (let i = 0; i < values.length; i++) {
    const found = visit(values[i], root === "args" ? `args[${i}]` : root);
    if (found !== null) return found;
  }
  return null;
}
