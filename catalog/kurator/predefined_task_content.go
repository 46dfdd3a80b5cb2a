// Generated from task/tekton-attest.yaml by `npm run catalog`: the tekton-attest predefined task for
// kurator-dev/kurator pkg/fleet-manager/pipeline/render (see catalog/kurator/README.md).

package render

// TektonAttestTaskContent signs SLSA provenance for the pipeline run it runs in.
// Here are the params that user can config:
//   - format: provenance format (default: slsa/v2alpha4; slsa/v1 = SLSA v0.2)
//   - storage: tekton, oci, file, comma-separated (default: tekton,oci)
//   - signer: key (the Secret signing-secrets in the pipeline's namespace) or keyless (default: key)
//   - transparency: upload to Rekor, true/false (default: false)
//   - deepInspection: take subjects from every task's results (default: true)
//   - builderId, buildType, ociRepository, ociEncoding, signImages, markSigned, rekorUrl, fulcioUrl,
//     registryCredentialsFromApi, insecureRegistry, waitTimeout, requireComplete, timeout,
//     registryRequestTimeout, maxInputSize, statusFieldManager, allowForeignStatus, bestEffort, logLevel
const TektonAttestTaskContent = `apiVersion: tekton.dev/v1
kind: Task
metadata:
  name: {{ .PredefinedTaskName }}
  namespace: {{ .Namespace }}
  labels:
    app.kubernetes.io/version: "0.1"
  annotations:
    tekton.dev/pipelines.minVersion: 0.50.0
    tekton.dev/categories: Security
    tekton.dev/tags: security, provenance, slsa, in-toto, attestation, signing, supply-chain
    tekton.dev/displayName: "tekton-attest: SLSA provenance for PipelineRuns"
    tekton.dev/platforms: linux/amd64
{{- if .OwnerReference }}
  ownerReferences:
  - apiVersion: "{{ .OwnerReference.APIVersion }}"
    kind: "{{ .OwnerReference.Kind }}"
    name: "{{ .OwnerReference.Name }}"
    uid: "{{ .OwnerReference.UID }}"
{{- end }}
spec:
  description: "Signs Chains-compatible SLSA provenance (in-toto, SLSA v0.2 or v1.0) for the PipelineRun it runs in, from a finally task, without the Tekton Chains controller. It reads the PipelineRun and its TaskRuns with the pipeline's own service account, signs the statement as DSSE (cosign key, PEM key or keyless Fulcio) and stores it where Chains would: PipelineRun annotations, cosign .att tags next to the built images, an OCI 1.1 referrer, or Rekor. In Kurator it runs after the tasks before it, with the pipeline's service account."
  params:
    - name: pipelinerun-name
      type: string
      default: ""
      description: "Empty: the pod's tekton.dev/pipelineRun label (the run Kurator's trigger created)."
    - name: format
      type: string
      default: "{{ default "slsa/v2alpha4" .Params.format }}"
      description: Provenance format, as Chains names it. slsa/v1 = SLSA v0.2; slsa/v2alpha3, slsa/v2alpha4 = SLSA v1.0.
    - name: build-type
      type: string
      default: "{{ default "https://tekton.dev/chains/v2/slsa" .Params.buildType }}"
      description: SLSA v1.0 buildType (https://tekton.dev/chains/v2/slsa or https://tekton.dev/chains/v2/slsa-tekton).
    - name: builder-id
      type: string
      default: "{{ default "https://tekton.dev/chains/v2" .Params.builderId }}"
      description: builder.id recorded in the provenance.
    - name: deep-inspection
      type: string
      default: "{{ default "true" .Params.deepInspection }}"
      description: "\"true\": also take subjects and inputs from every TaskRun's own results (Chains' deep inspection)."
    - name: storage
      type: string
      default: "{{ default "tekton,oci" .Params.storage }}"
      description: Comma-separated backends. tekton = PipelineRun annotations, oci = next to each image subject, file = the output workspace.
    - name: taskrun-format
      type: string
      default: "{{ default "slsa/v1" .Params.taskrunFormat }}"
      description: "Each sibling TaskRun's own attestation format (Chains' artifacts.taskrun.format, default as Chains): slsa/v1 = SLSA v0.2; slsa/v2alpha3, slsa/v2alpha4 = SLSA v1.0; tekton = legacy, the signed status (taskrun-storage tekton only)."
    - name: taskrun-storage
      type: string
      default: "{{ default "tekton" .Params.taskrunStorage }}"
      description: "Where each sibling TaskRun's attestation goes (Chains' artifacts.taskrun.storage, default as Chains): tekton = annotations on the TaskRun (needs Role tekton-attest-taskrun-storage), oci = next to the images it built, file = the output workspace (taskruns/); none = no TaskRun attestations."
    - name: oci-repository
      type: string
      default: "{{ default "" .Params.ociRepository }}"
      description: Store OCI attestations in this repository instead of each image's own. Empty = the image's repository.
    - name: oci-encoding
      type: string
      default: "{{ default "tag" .Params.ociEncoding }}"
      description: tag = cosign .att/.sig tags; sigstore-bundle = OCI 1.1 referrer holding a sigstore bundle.
    - name: sign-images
      type: string
      default: "{{ default "" .Params.signImages }}"
      description: Cosign image signatures (.sig) for every image a TaskRun of the run built, as Chains' artifacts.oci does, whatever storage says. Empty = on (skipped with a warning when transparency is on and the key is Ed25519); "true" = on, and that case fails; "false" = off.
    - name: mark-signed
      type: string
      default: "{{ default "false" .Params.markSigned }}"
      description: '"true": also annotate chains.tekton.dev/signed=true, so a Chains controller does not sign the run again.'
    - name: signer
      type: string
      default: "{{ default "key" .Params.signer }}"
      description: key = sign with the key param; keyless = a Fulcio certificate for the pod's service-account identity.
    - name: key
      type: string
      default: "k8s://{{ .Namespace }}/signing-secrets"
      description: "For signer=key: the Secret signing-secrets in the pipeline namespace (cosign.key + cosign.password or x509.pem), read through the API; make it with cosign generate-key-pair k8s://NAMESPACE/signing-secrets."
    - name: transparency
      type: string
      default: "{{ default "false" .Params.transparency }}"
      description: Upload to Rekor. true, false, or manual (only runs annotated chains.tekton.dev/transparency-upload=true).
    - name: rekor-url
      type: string
      default: "{{ default "https://rekor.sigstore.dev" .Params.rekorUrl }}"
      description: Rekor used when transparency is on.
    - name: fulcio-url
      type: string
      default: "{{ default "https://fulcio.sigstore.dev" .Params.fulcioUrl }}"
      description: Fulcio used by signer=keyless.
    - name: registry-credentials-from-api
      type: string
      default: "{{ default "false" .Params.registryCredentialsFromApi }}"
      description: "\"true\": also read the service account's imagePullSecrets and secrets through the API (needs the optional rule in task/rbac.yaml). Tekton does not hand imagePullSecrets to steps."
    - name: insecure-registry
      type: string
      default: "{{ default "" .Params.insecureRegistry }}"
      description: A registry host[:port] reached over plain HTTP or TLS without verification (e.g. an in-cluster registry:5000).
    - name: wait-timeout
      type: string
      default: "{{ default "5m" .Params.waitTimeout }}"
      description: How long to wait for sibling TaskRuns (other finally tasks) still running.
    - name: timeout
      type: string
      default: "{{ default "10m" .Params.timeout }}"
      description: "Deadline of the whole run, well inside a Task's default 1h timeout: past it the step fails naming the step and the host it waited on. Keep it above wait-timeout and below the Task's timeout."
    - name: registry-request-timeout
      type: string
      default: "{{ default "60s" .Params.registryRequestTimeout }}"
      description: Deadline of each registry request, the whole answer included (a slow registry cannot hold the run past it).
    - name: max-input-size
      type: string
      default: "{{ default "64Mi" .Params.maxInputSize }}"
      description: Most bytes read from one Kubernetes API answer or registry blob; larger ones fail naming this param. Raising it may need a larger memory limit.
    - name: require-complete
      type: string
      default: "{{ default "false" .Params.requireComplete }}"
      description: '"true": fail instead of attesting the finished part when siblings outlast wait-timeout.'
    - name: status-field-manager
      type: string
      default: "{{ default "" .Params.statusFieldManager }}"
      description: "Field manager(s), comma-separated, trusted to write run status (empty: \"controller\", the name Tekton's controller writes as). A status field last written by any other manager makes attest refuse."
    - name: allow-foreign-status
      type: string
      default: "{{ default "false" .Params.allowForeignStatus }}"
      description: '"true": attest even when another field manager wrote a run status; recorded in the FOREIGN_STATUS result.'
    - name: best-effort
      type: string
      default: "{{ default "false" .Params.bestEffort }}"
      description: '"true": succeed even when a storage backend fails (failures are still reported).'
    - name: log-level
      type: string
      default: "{{ default "info" .Params.logLevel }}"
      description: debug, info, warn or error.
  workspaces:
    - name: source
      description: Kurator's shared workspace (kurator-pipeline-shared-data), bound to every task; not used.
      optional: true
  results:
    - name: ATTESTATION_DIGEST
      description: sha256 digest of the signed DSSE envelope.
    - name: SUBJECTS
      description: The attested subjects, JSON [{"name", "digest"}].
    - name: STORAGE
      description: Where the attestation (and the image signatures, "artifact" = "image signatures") was stored, JSON [{"backend", "artifact"?, "ok", "locations"}].
    - name: FOREIGN_STATUS
      description: Run status fields last written by a field manager other than Tekton's controller, attested anyway (allow-foreign-status), JSON [{"kind", "name", "field", "manager"}]; [] when there were none.
  volumes:
    - name: podinfo
      downwardAPI:
        items:
          - path: labels
            fieldRef:
              fieldPath: metadata.labels
    - name: sigstore-oidc
      projected:
        sources:
          - serviceAccountToken:
              audience: sigstore
              expirationSeconds: 600
              path: oidc-token
    - name: tmp
      emptyDir:
        medium: Memory
        sizeLimit: 64Mi
    - name: docker-credentials
      secret:
        secretName: docker-credentials
        optional: true
  steps:
    - name: attest
      image: ghcr.io/tekton-attest/tekton-attest:v0.1.0@sha256:e2d3a3109ae31e87b1d2d20f7a4ef5ffea745daefbfd141b830707a4c3d9e00a
      command:
        - /nodejs/bin/node
        - /app/dist/cli.js
      args:
        - attest
      env:
        - name: HOME
          value: /tmp
        - name: TEKTON_ATTEST_PIPELINERUN
          value: $(params.pipelinerun-name)
        - name: TEKTON_ATTEST_NAMESPACE
          value: $(context.taskRun.namespace)
        - name: TEKTON_ATTEST_TASKRUN
          value: $(context.taskRun.name)
        - name: TEKTON_ATTEST_POD_LABELS_FILE
          value: /etc/podinfo/labels
        - name: TEKTON_ATTEST_FORMAT
          value: $(params.format)
        - name: TEKTON_ATTEST_BUILD_TYPE
          value: $(params.build-type)
        - name: TEKTON_ATTEST_BUILDER_ID
          value: $(params.builder-id)
        - name: TEKTON_ATTEST_DEEP_INSPECTION
          value: $(params.deep-inspection)
        - name: TEKTON_ATTEST_STORAGE
          value: $(params.storage)
        - name: TEKTON_ATTEST_TASKRUN_FORMAT
          value: $(params.taskrun-format)
        - name: TEKTON_ATTEST_TASKRUN_STORAGE
          value: $(params.taskrun-storage)
        - name: TEKTON_ATTEST_OCI_REPOSITORY
          value: $(params.oci-repository)
        - name: TEKTON_ATTEST_OCI_ENCODING
          value: $(params.oci-encoding)
        - name: TEKTON_ATTEST_SIGN_IMAGES
          value: $(params.sign-images)
        - name: TEKTON_ATTEST_MARK_SIGNED
          value: $(params.mark-signed)
        - name: TEKTON_ATTEST_SIGNER
          value: $(params.signer)
        - name: TEKTON_ATTEST_KEY
          value: $(params.key)
        - name: TEKTON_ATTEST_IDENTITY_TOKEN_FILE
          value: /var/run/sigstore/cosign/oidc-token
        - name: TEKTON_ATTEST_FULCIO_URL
          value: $(params.fulcio-url)
        - name: TEKTON_ATTEST_TRANSPARENCY
          value: $(params.transparency)
        - name: TEKTON_ATTEST_REKOR_URL
          value: $(params.rekor-url)
        - name: TEKTON_ATTEST_INSECURE_REGISTRY
          value: $(params.insecure-registry)
        - name: TEKTON_ATTEST_REGISTRY_CREDENTIALS_FROM_API
          value: $(params.registry-credentials-from-api)
        - name: TEKTON_ATTEST_WAIT_TIMEOUT
          value: $(params.wait-timeout)
        - name: TEKTON_ATTEST_TIMEOUT
          value: $(params.timeout)
        - name: TEKTON_ATTEST_REGISTRY_REQUEST_TIMEOUT
          value: $(params.registry-request-timeout)
        - name: TEKTON_ATTEST_MAX_INPUT_SIZE
          value: $(params.max-input-size)
        - name: TEKTON_ATTEST_REQUIRE_COMPLETE
          value: $(params.require-complete)
        - name: TEKTON_ATTEST_STATUS_FIELD_MANAGER
          value: $(params.status-field-manager)
        - name: TEKTON_ATTEST_ALLOW_FOREIGN_STATUS
          value: $(params.allow-foreign-status)
        - name: TEKTON_ATTEST_BEST_EFFORT
          value: $(params.best-effort)
        - name: TEKTON_ATTEST_RESULTS_DIR
          value: /tekton/results
        - name: TEKTON_ATTEST_LOG_LEVEL
          value: $(params.log-level)
      volumeMounts:
        - name: podinfo
          mountPath: /etc/podinfo
          readOnly: true
        - name: sigstore-oidc
          mountPath: /var/run/sigstore/cosign
          readOnly: true
        - name: tmp
          mountPath: /tmp
        - name: docker-credentials
          mountPath: /workspace/dockerconfig
          readOnly: true
      computeResources:
        requests:
          cpu: 50m
          memory: 64Mi
        limits:
          memory: 512Mi
      securityContext:
        runAsNonRoot: true
        runAsUser: 65532
        runAsGroup: 65532
        allowPrivilegeEscalation: false
        readOnlyRootFilesystem: true
        capabilities:
          drop:
            - ALL
        seccompProfile:
          type: RuntimeDefault
`
