// Where the shared test data lives: ../shared/fixtures beside the checkout (how CI lays it out), or
// TEKTON_ATTEST_FIXTURES for a checkout elsewhere.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../peers/versions.js';

function findFixtures(): string {
  const candidates = [
    process.env.TEKTON_ATTEST_FIXTURES,
    join(repoRoot, '..', 'shared', 'fixtures'),
    '/work/shared/fixtures',
  ];
  const found = candidates.find((dir): dir is string => dir !== undefined && existsSync(dir));
  if (!found) {
    throw new Error(
      `shared fixtures not found (looked in ${candidates.filter(Boolean).join(', ')}); set TEKTON_ATTEST_FIXTURES`,
    );
  }
  return found;
}

export const FIXTURES_DIR = findFixtures();
