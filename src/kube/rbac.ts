import type { KubeConnection } from './config.js';

/** The namespaced Role shipped in task/rbac.yaml; a 403 names it so the fix is one command away. */
export const ROLE_NAME = 'tekton-attest';
export const ROLE_FILE = 'task/rbac.yaml';

/** One API request, as RBAC sees it. */
export interface Target {
  verb: 'get' | 'list' | 'patch';
  /** API group; '' for the core group. */
  group: string;
  version?: string;
  /** Plural resource name, as in a Role rule. */
  resource: string;
  namespace: string;
  name?: string;
}

export function resourceName(target: Target): string {
  return target.group ? `${target.resource}.${target.group}` : target.resource;
}

/** "get pipelineruns.tekton.dev ci/build-42" / "list taskruns.tekton.dev in namespace ci". */
export function describeTarget(target: Target): string {
  const where = target.name ? `${target.namespace}/${target.name}` : `in namespace ${target.namespace}`;
  return `${target.verb} ${resourceName(target)} ${where}`;
}

/** Which rule of the Role grants the verb, and the command that binds the Role to the identity in use. */
export function forbiddenHint(target: Target, connection: KubeConnection): string {
  const rule = `apiGroups: ["${target.group}"], resources: ["${target.resource}"], verbs: ["${target.verb}"]`;
  const subject = connection.serviceAccount
    ? `--serviceaccount=${connection.serviceAccount.namespace}:${connection.serviceAccount.name}`
    : '--serviceaccount=NAMESPACE:NAME (the pipeline’s service account)';
  return (
    `the Role "${ROLE_NAME}" (${ROLE_FILE}) grants it (rule: ${rule}); install it in namespace ${target.namespace} ` +
    `and bind it: kubectl -n ${target.namespace} apply -f ${ROLE_FILE} && ` +
    `kubectl -n ${target.namespace} create rolebinding ${ROLE_NAME} --role=${ROLE_NAME} ${subject}`
  );
}
