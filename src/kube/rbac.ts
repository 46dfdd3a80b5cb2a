import type { KubeConnection } from './config.js';

/** The namespaced Roles shipped in task/rbac.yaml; a 403 names the one that grants the denied verb. */
const ROLE_FILE = 'task/rbac.yaml';
export const ROLES = {
  /** get pipelineruns; get, list taskruns and customruns: always needed. */
  read: 'tekton-attest',
  /** patch pipelineruns: `tekton` storage. */
  tektonStorage: 'tekton-attest-tekton-storage',
  /** patch taskruns: `--taskrun-storage tekton` (Chains' artifacts.taskrun.storage). */
  taskRunStorage: 'tekton-attest-taskrun-storage',
  /** get one Secret: `--key k8s://NS/NAME`. */
  signingKey: 'tekton-attest-signing-key',
  /** get the service account and its pull secrets: `--registry-credentials-from-api`. */
  registryCredentials: 'tekton-attest-registry-credentials',
} as const;

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
  /** Why a Secret is read; decides which Role the hint names. */
  purpose?: 'signing-key' | 'registry-credentials';
}

function roleFor(target: Target): string {
  if (target.resource === 'pipelineruns' && target.verb === 'patch') return ROLES.tektonStorage;
  if (target.resource === 'taskruns' && target.verb === 'patch') return ROLES.taskRunStorage;
  if (target.resource === 'serviceaccounts') return ROLES.registryCredentials;
  if (target.resource === 'secrets') {
    return target.purpose === 'signing-key' ? ROLES.signingKey : ROLES.registryCredentials;
  }
  return ROLES.read;
}

function resourceName(target: Target): string {
  return target.group ? `${target.resource}.${target.group}` : target.resource;
}

/** "get pipelineruns.tekton.dev ci/build-42" / "list taskruns.tekton.dev in namespace ci". */
export function describeTarget(target: Target): string {
  const where = target.name ? `${target.namespace}/${target.name}` : `in namespace ${target.namespace}`;
  return `${target.verb} ${resourceName(target)} ${where}`;
}

/** Which rule of the Role grants the verb, and the command that binds the Role to the identity in use. */
export function forbiddenHint(target: Target, connection: KubeConnection): string {
  const role = roleFor(target);
  const names = target.name && target.group === '' ? `, resourceNames: ["${target.name}"]` : '';
  const rule = `apiGroups: ["${target.group}"], resources: ["${target.resource}"]${names}, verbs: ["${target.verb}"]`;
  const subject = connection.serviceAccount
    ? `--serviceaccount=${connection.serviceAccount.namespace}:${connection.serviceAccount.name}`
    : '--serviceaccount=NAMESPACE:NAME (the pipeline’s service account)';
  return (
    `the Role "${role}" in ${ROLE_FILE} grants it (rule: ${rule}); install it in namespace ${target.namespace} ` +
    `and bind it: kubectl -n ${target.namespace} apply -f ${ROLE_FILE} && ` +
    `kubectl -n ${target.namespace} create rolebinding ${role} --role=${role} ${subject}`
  );
}
