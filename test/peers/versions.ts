// Where the Go-built test peers live and which versions are pinned.
// The versions come from scripts/peers/versions.env (shared with the build scripts) so that
// the scripts and the helpers cannot disagree.
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Repository root (this file is test/peers/versions.ts). */
export const repoRoot: string = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Cache root: `$TEKTON_ATTEST_CACHE` or `~/.cache/tekton-attest` (shared by every checkout, as the scripts use it). */
export function cacheRoot(): string {
  return (
    process.env.TEKTON_ATTEST_CACHE ||
    join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'tekton-attest')
  );
}

function readVersionsEnv(): Record<string, string> {
  const out: Record<string, string> = {};
  const text = readFileSync(join(repoRoot, 'scripts', 'peers', 'versions.env'), 'utf8');
  for (const line of text.split('\n')) {
    const m = /^([A-Z0-9_]+)=(.*)$/.exec(line.trim());
    if (m?.[1] && m[2] !== undefined) out[m[1]] = m[2];
  }
  return out;
}

function readKubeModuleVersion(module: string): string {
  const text = readFileSync(join(repoRoot, 'scripts', 'peers', 'kube-module', 'go.mod'), 'utf8');
  for (const line of text.split('\n')) {
    const parts = line.trim().split(/\s+/);
    if (parts[0] === module && parts[1]?.startsWith('v')) return parts[1];
  }
  throw new Error(`scripts/peers/kube-module/go.mod does not pin ${module}`);
}

const pinned = readVersionsEnv();

/** Pinned versions of the test peers. */
export const peerVersions: {
  cosign: string;
  tektonPipeline: string;
  kubernetes: string;
  etcd: string;
} = {
  cosign: process.env.COSIGN_VERSION || pinned.COSIGN_VERSION || 'unknown',
  tektonPipeline: process.env.TEKTON_PIPELINE_VERSION || pinned.TEKTON_PIPELINE_VERSION || 'unknown',
  kubernetes: readKubeModuleVersion('k8s.io/kubernetes'),
  etcd: readKubeModuleVersion('go.etcd.io/etcd/server/v3'),
};

/** Go's module cache directory, without running `go` (GOMODCACHE, GOPATH, ~/go). */
export function goModCache(): string {
  if (process.env.GOMODCACHE) return process.env.GOMODCACHE;
  const gopath = process.env.GOPATH?.split(':')[0];
  return join(gopath || join(homedir(), 'go'), 'pkg', 'mod');
}
