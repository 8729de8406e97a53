/** Callee and size names as messages quote them. */

const quoted = new Map<string, string>();

/** `` `name` ``: made once per name (every call is given its callee's, for messages it may never need). */
export function quotedName(name: string): string {
  let q = quoted.get(name);
  if (q === undefined) quoted.set(name, (q = `\`${name}\``));
  return q;
}
