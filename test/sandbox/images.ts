/** Image names the controller puts in the pods it creates; the step runner maps them to host binaries. */
export const SANDBOX_IMAGES = {
  entrypoint: 'sandbox.tekton-attest.local/tekton/entrypoint',
  nop: 'sandbox.tekton-attest.local/tekton/nop',
  sidecarLogResults: 'sandbox.tekton-attest.local/tekton/sidecarlogresults',
  workingDirInit: 'sandbox.tekton-attest.local/tekton/workingdirinit',
  shell: 'sandbox.tekton-attest.local/busybox',
  shellWindows: 'sandbox.tekton-attest.local/powershell',
};
