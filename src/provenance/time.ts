/**
 * Kubernetes timestamps as Chains writes them: converted to UTC, RFC 3339 with a `Z`, fractional seconds
 * only when there are any (Go's time.Time and protobuf Timestamp JSON both print whole seconds bare).
 */
export function rfc3339Utc(timestamp: string): string {
  const date = new Date(timestamp);
  if (Number.isNaN(date.getTime())) return timestamp;
  return date.toISOString().replace(/\.000Z$/, 'Z');
}

/** Go's zero time.Time, which Chains prints for a TaskRun attestation field it has no time for. */
export const GO_ZERO_TIME = '0001-01-01T00:00:00Z';
