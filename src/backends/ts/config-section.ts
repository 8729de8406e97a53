/** The spec's config as a typed, exported object (`Config`, `config`). */
import type { ConfigEntryInfo } from '../../ir/types.js';
import type { ModuleText } from './module-text.js';
import { commentText, numberLiteral, propertyKey, stringLiteral, typeKey } from './names.js';

export function configSection(text: ModuleText, config: readonly ConfigEntryInfo[]): void {
  const tsType = (c: ConfigEntryInfo) => (c.type === 'bool' ? 'boolean' : c.type === 'int' || c.type === 'float' ? 'number' : 'string');
  const value = (c: ConfigEntryInfo) => (typeof c.value === 'number' ? numberLiteral(c.value) : typeof c.value === 'boolean' ? String(c.value) : stringLiteral(c.value));
  text.out(
    '/** The spec\'s config values. The code below was generated with them: recompile the spec to change them. */',
    'export interface Config {',
    ...config.map((c) => `  readonly ${typeKey(c.name)}: ${tsType(c)}; // ${commentText(c.type)}`),
    '}',
    '',
    'export const config: Config = {',
    ...config.map((c) => `  ${propertyKey(c.name)}: ${value(c)},`),
    '};',
    '',
  );
}
