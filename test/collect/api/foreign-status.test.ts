// Foreign status writes, read from managedFields as the API server records them (shapes taken from a TaskRun
// and a PipelineRun of Tekton v1.15's controller in the sandbox, plus `kubectl patch --subresource=status`).
import { describe, expect, it } from 'vitest';
import { assertStatusFromController, foreignStatusWrites } from '../../../src/collect/api/foreign-status.js';
import { rejectionOf } from '../../harness/attest-error.js';

const controllerMetadata = {
  manager: 'controller',
  operation: 'Update',
  apiVersion: 'tekton.dev/v1',
  time: '2026-12-03T15:39:20Z',
  fieldsType: 'FieldsV1',
  fieldsV1: {
    'f:metadata': { 'f:labels': { '.': {}, 'f:tekton.dev/pipelineRun': {} } },
    'f:spec': { '.': {}, 'f:serviceAccountName': {}, 'f:taskSpec': { '.': {}, 'f:steps': {} } },
  },
};
const controllerStatus = {
  manager: 'controller',
  operation: 'Update',
  apiVersion: 'tekton.dev/v1',
  time: '2026-12-03T15:39:24Z',
  fieldsType: 'FieldsV1',
  fieldsV1: {
    'f:status': {
      '.': {},
      'f:completionTime': {},
      'f:conditions': {},
      'f:podName': {},
      'f:provenance': { '.': {}, 'f:featureFlags': { '.': {}, 'f:coschedule': {} } },
      'f:startTime': {},
      'f:steps': {},
    },
  },
  subresource: 'status',
};
/** What `kubectl patch --subresource=status --field-manager=forger` leaves: it now owns status.results. */
const forgedResults = {
  manager: 'forger',
  operation: 'Update',
  apiVersion: 'tekton.dev/v1',
  time: '2026-12-03T15:39:22Z',
  fieldsType: 'FieldsV1',
  fieldsV1: { 'f:status': { 'f:results': {} } },
  subresource: 'status',
};
/** A user's own metadata write (kubectl label) owns no status field. */
const userLabel = {
  manager: 'kubectl-label',
  operation: 'Update',
  apiVersion: 'tekton.dev/v1',
  time: '2026-12-03T15:40:00Z',
  fieldsType: 'FieldsV1',
  fieldsV1: { 'f:metadata': { 'f:labels': { 'f:team': {} } } },
};

const taskRun = (managedFields: unknown) => ({
  apiVersion: 'tekton.dev/v1',
  kind: 'TaskRun',
  metadata: { name: 'build-x-build', namespace: 'ci', managedFields },
  status: {},
});

describe('status written by another field manager', () => {
  it("a run written only by Tekton's controller (and users' metadata writes) has none", () => {
    const run = taskRun([controllerMetadata, controllerStatus, userLabel]);
    expect(foreignStatusWrites(run, 'TaskRun', ['controller'])).toEqual([]);
  });

  it('names the run, the field and the manager of a status patched by someone else', () => {
    const run = taskRun([controllerMetadata, controllerStatus, forgedResults]);
    expect(foreignStatusWrites(run, 'TaskRun', ['controller'])).toEqual([
      {
        kind: 'TaskRun',
        name: 'build-x-build',
        field: 'status.results',
        manager: 'forger',
        time: '2026-12-03T15:39:22Z',
      },
    ]);
  });

  it('every top-level status field an Apply by another manager owns, not the "." marker', () => {
    const applied = {
      manager: 'my-operator',
      operation: 'Apply',
      fieldsV1: { 'f:status': { '.': {}, 'f:conditions': {}, 'f:results': {} } },
      subresource: 'status',
    };
    const writes = foreignStatusWrites(taskRun([controllerStatus, applied]), 'TaskRun', ['controller']);
    expect(writes.map((w) => [w.field, w.manager, w.time])).toEqual([
      ['status.conditions', 'my-operator', undefined],
      ['status.results', 'my-operator', undefined],
    ]);
  });

  it('a differently named controller is trusted once named', () => {
    const renamed = { ...controllerStatus, manager: 'tekton-pipelines-controller' };
    const run = taskRun([renamed]);
    expect(foreignStatusWrites(run, 'TaskRun', ['controller']).map((w) => w.manager)).toContain(
      'tekton-pipelines-controller',
    );
    expect(foreignStatusWrites(run, 'TaskRun', ['controller', 'tekton-pipelines-controller'])).toEqual([]);
  });

  it('a run without managedFields (an API server that does not track fields) has none', () => {
    expect(foreignStatusWrites(taskRun(undefined), 'TaskRun', ['controller'])).toEqual([]);
  });

  it('refuses with an error naming the TaskRun, the field and the manager, and the way out', async () => {
    const writes = foreignStatusWrites(taskRun([controllerStatus, forgedResults]), 'TaskRun', ['controller']);
    const error = await rejectionOf(
      Promise.resolve().then(() => assertStatusFromController(writes, ['controller'], 'ci')),
    );
    expect(error.code).toBe('FOREIGN_STATUS');
    expect(error.message).toContain('TaskRun ci/build-x-build');
    expect(error.message).toContain('status.results');
    expect(error.message).toContain('"forger"');
    expect(error.hint).toContain('--allow-foreign-status');
    expect(error.hint).toContain('--status-field-manager');
  });
});
