// The legacy `tekton` format: the run's status, as JSON bytes.
import { describe, expect, it } from 'vitest';
import { tektonStatusPayload } from '../../src/provenance/tekton-format.js';

describe('tekton format payload', () => {
  it("is the run's status, nothing else (TEP-0084), and an empty object for a run without one", () => {
    const status = { podName: 'build-pod', conditions: [{ type: 'Succeeded', status: 'True' }], results: [] };
    const payload = tektonStatusPayload({ status } as never);
    expect(JSON.parse(Buffer.from(payload).toString('utf8'))).toEqual(status);
    expect(Buffer.from(payload).toString('utf8')).not.toContain('metadata');
    expect(Buffer.from(tektonStatusPayload({} as never)).toString()).toBe('{}');
  });
});
