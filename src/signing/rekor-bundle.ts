import { AttestError } from '../errors.js';
import type { TlogEntry } from './types.js';

/** cosign's `.att`/`.sig` layer annotation holding the Rekor entry (SET, body, time, index, log ID). */
export const REKOR_BUNDLE_ANNOTATION = 'dev.sigstore.cosign/bundle';

interface RekorBundle {
  SignedEntryTimestamp: string;
  Payload: { body: string; integratedTime: number; logIndex: number; logID: string };
}

/** The annotation value cosign reads for a logged entry. */
export function rekorBundleAnnotation(entry: TlogEntry): string {
  const bundle: RekorBundle = {
    SignedEntryTimestamp: entry.signedEntryTimestamp,
    Payload: {
      body: entry.body,
      integratedTime: entry.integratedTime,
      logIndex: entry.logIndex,
      logID: entry.logId,
    },
  };
  return JSON.stringify(bundle);
}

/** Reads the annotation back (verify); `source` names the layer in messages. */
export function parseRekorBundleAnnotation(json: string, source: string): TlogEntry {
  let value: Partial<RekorBundle> | null;
  try {
    value = JSON.parse(json) as Partial<RekorBundle> | null;
  } catch {
    value = null;
  }
  const payload = value?.Payload;
  if (
    typeof value?.SignedEntryTimestamp !== 'string' ||
    typeof payload?.body !== 'string' ||
    typeof payload.integratedTime !== 'number' ||
    typeof payload.logIndex !== 'number' ||
    typeof payload.logID !== 'string'
  ) {
    throw new AttestError(
      'VERIFY_FAILED',
      `the ${REKOR_BUNDLE_ANNOTATION} annotation of ${source} is malformed`,
      {
        hint: 'expected {"SignedEntryTimestamp","Payload":{"body","integratedTime","logIndex","logID"}}',
      },
    );
  }
  return {
    logIndex: payload.logIndex,
    logId: payload.logID,
    integratedTime: payload.integratedTime,
    signedEntryTimestamp: value.SignedEntryTimestamp,
    body: payload.body,
    url: '',
  };
}
