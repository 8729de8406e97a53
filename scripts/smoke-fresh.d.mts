// Types of scripts/smoke-fresh.mjs's README parsing, for test/docs/readme-smoke.test.ts.
export interface ReadmeCommand {
  section: string;
  command: string;
  status: number;
}
export function commands(text: string): string[];
export function expectedStatus(command: string): number;
export function readmeCommands(readme: string): ReadmeCommand[];
