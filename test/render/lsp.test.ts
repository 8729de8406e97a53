import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { fileUri, toLspDiagnostic, toLspDiagnosticsByUri } from '../../src/render/lsp.js';
import { expectGolden } from '../helpers/golden.js';
import { BAD, crossFile, multiLine, shapeMismatch } from './fixtures.js';

const golden = (name: string) => path.join(import.meta.dirname, '__golden__', name);

describe('lsp conversion', () => {
  it('converts every kind of diagnostic', () => {
    const all = [shapeMismatch(), crossFile(), multiLine()].map((d) => toLspDiagnostic(d));
    expectGolden(golden('lsp.json'), JSON.stringify(all, null, 2) + '\n');
  });

  it('uses 0-based positions and numeric severities', () => {
    const d = toLspDiagnostic(shapeMismatch());
    expect(d.range).toEqual({ start: { line: 7, character: 10 }, end: { line: 7, character: 15 } });
    expect(d.severity).toBe(1);
    expect(toLspDiagnostic(multiLine()).severity).toBe(2);
    expect(toLspDiagnostic({ ...multiLine(), severity: 'info' }).severity).toBe(3);
    expect(d.source).toBe('tfmc');
    expect(d.code).toBe('TFM3001');
  });

  it('appends the primary label, notes and help to the message', () => {
    const d = toLspDiagnostic(shapeMismatch());
    expect(d.message.split('\n')).toEqual([
      'cannot add `[batch, seq, 512]` and `[batch, seq, 768]`',
      'dimension 2 differs: 512 vs 768',
      'note: elementwise operations need equal shapes (after broadcasting)',
      'help: change one side so both are 768',
    ]);
    expect(toLspDiagnostic(crossFile()).message).toBe('missing argument `out` in call to `Linear`\nargument `out` is missing');
  });

  it('points related information at file URIs', () => {
    const d = toLspDiagnostic(crossFile());
    expect(d.relatedInformation).toEqual([
      {
        location: {
          uri: 'file:///project/src/std/nn.tfm',
          range: { start: { line: 1, character: 13 }, end: { line: 1, character: 21 } },
        },
        message: '`out` declared here',
      },
    ]);
    expect(toLspDiagnostic(crossFile(), { uriFor: (f) => `mem:${f}` }).relatedInformation![0].location.uri).toBe(
      'mem:/project/src/std/nn.tfm',
    );
  });

  it('builds URIs from paths and keeps URIs', () => {
    expect(fileUri('/a b/c.tfm')).toBe('file:///a%20b/c.tfm');
    expect(fileUri('c.tfm', '/w')).toBe('file:///w/c.tfm');
    expect(fileUri('untitled:Untitled-1')).toBe('untitled:Untitled-1');
  });

  it('groups by document and keeps clean documents with an empty list', () => {
    const clean = 'file:///project/clean.tfm';
    const byUri = toLspDiagnosticsByUri([shapeMismatch(), crossFile()], {}, [clean]);
    expect(byUri.get(clean)).toEqual([]);
    expect(byUri.get(fileUri(BAD))).toHaveLength(2);
  });
});
