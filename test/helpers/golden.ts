/**
 * Golden-file assertions. A golden file holds the exact expected output of a test, checked in so
 * that every change to rendered output shows up in review as a diff.
 *
 * To accept new output, run the tests with `UPDATE_GOLDEN=1` (or `npm run golden:update`): the
 * golden files are then rewritten instead of compared, and the diff is reviewed in git. A golden
 * file that does not exist yet is an error otherwise, so a forgotten file fails CI instead of
 * silently passing.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { expect } from 'vitest';

export function updatingGolden(): boolean {
  const v = process.env.UPDATE_GOLDEN;
  return v !== undefined && v !== '' && v !== '0' && v !== 'false';
}

/** Compares `actual` with the file at `goldenPath` (absolute), or rewrites it when updating. */
export function expectGolden(goldenPath: string, actual: string): void {
  if (updatingGolden()) {
    fs.mkdirSync(path.dirname(goldenPath), { recursive: true });
    fs.writeFileSync(goldenPath, actual);
    return;
  }
  if (!fs.existsSync(goldenPath)) {
    throw new Error(
      `golden file ${goldenPath} does not exist; run the tests with UPDATE_GOLDEN=1 to create it`,
    );
  }
  expect(actual).toBe(fs.readFileSync(goldenPath, 'utf8'));
}
