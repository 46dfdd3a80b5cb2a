import { describe, expect, it } from 'vitest';
import { AttestError } from '../../src/errors.js';
import { formatReference, normalizedRepository, parseReference } from '../../src/oci/reference.js';

const DIGEST = `sha256:${'a'.repeat(64)}`;

describe('parseReference (go-containerregistry name semantics)', () => {
  it.each([
    ['abc', { registry: 'index.docker.io', repository: 'library/abc' }],
    ['docker.io/abc', { registry: 'index.docker.io', repository: 'library/abc' }],
    ['docker.io/org/abc:1.0', { registry: 'index.docker.io', repository: 'org/abc', tag: '1.0' }],
    ['gcr.io/p/app', { registry: 'gcr.io', repository: 'p/app' }],
    ['localhost:5000/app:dev', { registry: 'localhost:5000', repository: 'app', tag: 'dev' }],
    // Without a '.' or ':' the first element is a Docker Hub namespace, as in go-containerregistry.
    ['localhost/app', { registry: 'index.docker.io', repository: 'localhost/app' }],
    ['127.0.0.1:5000/a/b/c', { registry: '127.0.0.1:5000', repository: 'a/b/c' }],
    [`gcr.io/p/app@${DIGEST}`, { registry: 'gcr.io', repository: 'p/app', digest: DIGEST }],
    [`gcr.io/p/app:1.0@${DIGEST}`, { registry: 'gcr.io', repository: 'p/app', tag: '1.0', digest: DIGEST }],
    ['[::1]:5000/app', { registry: '[::1]:5000', repository: 'app' }],
    // Every separator of the grammar: '.', '_', '__', and runs of '-'.
    ['r.io/a.b_c__d--e/f-g', { registry: 'r.io', repository: 'a.b_c__d--e/f-g' }],
  ])('%s', (reference, expected) => {
    expect(parseReference(reference)).toEqual(expected);
  });

  it('normalizes the repository the way Chains names subjects', () => {
    expect(normalizedRepository(`abc:latest@${DIGEST}`)).toBe('index.docker.io/library/abc');
    expect(formatReference(parseReference(`app:1@${DIGEST}`))).toBe(
      `index.docker.io/library/app:1@${DIGEST}`,
    );
  });

  it.each([
    [`gcr.io/p/app@sha256:${'a'.repeat(63)}`, 'is not sha256:<64 lower-case hex>'],
    [`gcr.io/p/app@sha512:${'a'.repeat(128)}`, 'is not sha256:<64 lower-case hex>'],
    [`gcr.io/p/app@sha256:${'A'.repeat(64)}`, 'is not sha256:<64 lower-case hex>'],
    [`a@${DIGEST}@${DIGEST}`, "more than one '@'"],
    ['gcr.io/p/App', 'repository "p/App"'],
    ['a', 'repository "a"'],
    ['gcr.io/p/app:bad/tag', 'repository "p/app:bad/tag"'],
    ['gcr.io/p/app:', 'tag "" is not valid'],
    ['', 'the repository is empty'],
    ['bad_host.io:x/app', 'registry "bad_host.io:x"'],
    // Names the URL library would resolve into other paths of the registry host (distribution's grammar).
    [`registry.example/team/../../api/v4/projects@${DIGEST}`, "no '.' or '..' components"],
    ['registry.example/./app', 'repository "./app"'],
    ['registry.example/team//app', 'repository "team//app"'],
    ['registry.example/team/app/', 'repository "team/app/"'],
    ['registry.example/-app', 'repository "-app"'],
    ['registry.example/app_', 'repository "app_"'],
    ['registry.example/a..b', 'repository "a..b"'],
    ['registry.example/a___b', 'repository "a___b"'],
    ['registry.example/app:.hidden', 'tag ".hidden" is not valid'],
  ])('rejects %s', (reference, why) => {
    let error: unknown;
    try {
      parseReference(reference);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(AttestError);
    expect((error as AttestError).message).toContain(why);
  });
});
