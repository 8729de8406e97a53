/**
 * The spec in the page's address: `#spec=` and the text compressed by lz-string into characters
 * that need no escaping in a URL, so a link holds the whole spec and opening it restores it.
 */
import { compressToEncodedURIComponent, decompressFromEncodedURIComponent } from 'lz-string';

const KEY = 'spec=';

export function specToHash(text: string): string {
  return `#${KEY}${compressToEncodedURIComponent(text)}`;
}

/** The spec a hash holds, or undefined when it holds none (or not one this page wrote). */
export function specFromHash(hash: string): string | undefined {
  const body = hash.startsWith('#') ? hash.slice(1) : hash;
  if (!body.startsWith(KEY)) return undefined;
  const text = decompressFromEncodedURIComponent(body.slice(KEY.length));
  return typeof text === 'string' && (text !== '' || body.length === KEY.length) ? text : undefined;
}
