/**
 * An environment variable, or undefined where there is none to read: the checker also runs where
 * there is no `process` (the browser playground, `playground/`), and reads its defaults there.
 */
export function envVar(name: string): string | undefined {
  return (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env?.[name];
}
