/** The lines of the module being written, and the runtime functions they call (imported, or inlined with `--standalone`). */
export class ModuleText {
  readonly lines: string[] = [];
  readonly used = new Set<string>();

  out(...lines: string[]): void {
    this.lines.push(...lines);
  }

  /** Marks a runtime function or type as used; returns its name. */
  use(name: string): string {
    this.used.add(name);
    return name;
  }
}
