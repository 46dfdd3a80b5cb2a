// Test peer: Tekton Chains' own payload formatter (github.com/tektoncd/chains, pinned in go.mod), so the parity
// tests compare tekton-attest with what Chains itself would sign. Not product code.
//
// Reads one JSON request on stdin and writes one JSON response on stdout:
//
//	chains-oracle payload    {"cases": [{"id", "pipelineRun", "taskRuns": [...], "taskRun", "configs": [...]}]}
//	                         -> {"cases": [{"id", "payloads": [{"config", "payload" | "error"}], "images": [...]}]}
//	chains-oracle normalize  {"objects": [...], "toV1": bool} -> {"objects": [...]}
//	chains-oracle pipeline-results {"pipelineRun", "taskRuns", "customRuns"} -> {"results": [...], "error"}
//
// A case has either "pipelineRun" (plus the child "taskRuns", matched by name to status.childReferences and
// appended in that order, as Chains' PipelineRun reconciler does) or "taskRun". Objects may be tekton.dev/v1 or
// v1beta1; v1beta1 goes through Tekton's own ConvertTo, as the API server's conversion webhook serves it to
// Chains. Objects are decoded case-sensitively like client-go (sigs.k8s.io/json). A config is
// {"format", "buildType", "deepInspection"}; "payload" is the exact bytes Chains signs (its getRawPayload:
// protojson for in-toto v1 statements, encoding/json otherwise). "images" are the simplesigning payloads of the
// images Chains signs for a TaskRun (artifacts.oci: OCIArtifact.ExtractObjects + formats/simple).
// "pipeline-results" is what Tekton's PipelineRun reconciler writes to status.results when a run with these
// children ends Succeeded or Failed (its ApplyTaskResultsToPipelineResults over the state's results and task
// statuses); a hard-cancelled run never gets there and has none.
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"

	"github.com/google/go-containerregistry/pkg/name"
	intoto "github.com/in-toto/attestation/go/v1"
	"github.com/tektoncd/chains/pkg/artifacts"
	"github.com/tektoncd/chains/pkg/chains/formats"
	_ "github.com/tektoncd/chains/pkg/chains/formats/all"
	"github.com/tektoncd/chains/pkg/chains/objects"
	"github.com/tektoncd/chains/pkg/config"
	v1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	"github.com/tektoncd/pipeline/pkg/apis/pipeline/v1beta1"
	"github.com/tektoncd/pipeline/pkg/reconciler/pipeline/dag"
	"github.com/tektoncd/pipeline/pkg/reconciler/pipelinerun/resources"
	"google.golang.org/protobuf/encoding/protojson"
	"knative.dev/pkg/apis"
	kjson "sigs.k8s.io/json"
)

type payloadConfig struct {
	Format         string `json:"format"`
	BuildType      string `json:"buildType,omitempty"`
	DeepInspection bool   `json:"deepInspection,omitempty"`
}

type payloadCase struct {
	ID          string            `json:"id"`
	PipelineRun json.RawMessage   `json:"pipelineRun,omitempty"`
	TaskRuns    []json.RawMessage `json:"taskRuns,omitempty"`
	TaskRun     json.RawMessage   `json:"taskRun,omitempty"`
	Configs     []payloadConfig   `json:"configs"`
}

type payloadResult struct {
	Config  payloadConfig `json:"config"`
	Payload string        `json:"payload,omitempty"`
	Error   string        `json:"error,omitempty"`
}

type caseResult struct {
	ID       string          `json:"id"`
	Error    string          `json:"error,omitempty"`
	Payloads []payloadResult `json:"payloads,omitempty"`
	Images   []string        `json:"images,omitempty"`
}

type typeMeta struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
}

func main() {
	if len(os.Args) != 2 {
		fail(fmt.Errorf("usage: chains-oracle payload|normalize < request.json"))
	}
	input, err := io.ReadAll(os.Stdin)
	if err != nil {
		fail(err)
	}
	var out any
	switch os.Args[1] {
	case "payload":
		out, err = payloadMode(input)
	case "normalize":
		out, err = normalizeMode(input)
	case "pipeline-results":
		out, err = pipelineResultsMode(input)
	default:
		err = fmt.Errorf("unknown mode %q (payload, normalize, pipeline-results)", os.Args[1])
	}
	if err != nil {
		fail(err)
	}
	if err := json.NewEncoder(os.Stdout).Encode(out); err != nil {
		fail(err)
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "chains-oracle:", err)
	os.Exit(1)
}

func decode(raw []byte, into any) error {
	strictErrs, err := kjson.UnmarshalStrict(raw, into, kjson.DisallowDuplicateFields)
	if err != nil {
		return err
	}
	// Unknown fields are dropped, as client-go drops them; duplicates would mean a broken generator.
	for _, e := range strictErrs {
		if _, unknown := e.(kjson.FieldError); !unknown {
			return e
		}
	}
	return nil
}

// decodeCaseSensitive decodes the way client-go's JSON serializer does: exact field names, unknown ones dropped.
func decodeCaseSensitive(raw []byte, into any) error {
	return kjson.UnmarshalCaseSensitivePreserveInts(raw, into)
}

func readTypeMeta(raw []byte) (typeMeta, error) {
	var tm typeMeta
	if err := json.Unmarshal(raw, &tm); err != nil {
		return tm, err
	}
	return tm, nil
}

// viaWire encodes a converted object and decodes it again, as Chains' informer receives it from the API server.
func viaWire(obj any, into any) error {
	raw, err := json.Marshal(obj)
	if err != nil {
		return err
	}
	return decodeCaseSensitive(raw, into)
}

func toPipelineRunV1(ctx context.Context, raw []byte) (*v1.PipelineRun, error) {
	tm, err := readTypeMeta(raw)
	if err != nil {
		return nil, err
	}
	pr := &v1.PipelineRun{}
	switch tm.APIVersion {
	case "tekton.dev/v1":
		err = decodeCaseSensitive(raw, pr)
	case "tekton.dev/v1beta1":
		old := &v1beta1.PipelineRun{}
		if err = decodeCaseSensitive(raw, old); err != nil {
			return nil, err
		}
		converted := &v1.PipelineRun{}
		if err = old.ConvertTo(ctx, converted); err != nil {
			return nil, err
		}
		converted.APIVersion, converted.Kind = "tekton.dev/v1", "PipelineRun"
		err = viaWire(converted, pr)
	default:
		err = fmt.Errorf("PipelineRun: unsupported apiVersion %q", tm.APIVersion)
	}
	return pr, err
}

func toTaskRunV1(ctx context.Context, raw []byte) (*v1.TaskRun, error) {
	tm, err := readTypeMeta(raw)
	if err != nil {
		return nil, err
	}
	tr := &v1.TaskRun{}
	switch tm.APIVersion {
	case "tekton.dev/v1":
		err = decodeCaseSensitive(raw, tr)
	case "tekton.dev/v1beta1":
		old := &v1beta1.TaskRun{}
		if err = decodeCaseSensitive(raw, old); err != nil {
			return nil, err
		}
		converted := &v1.TaskRun{}
		if err = old.ConvertTo(ctx, converted); err != nil {
			return nil, err
		}
		converted.APIVersion, converted.Kind = "tekton.dev/v1", "TaskRun"
		err = viaWire(converted, tr)
	default:
		err = fmt.Errorf("TaskRun: unsupported apiVersion %q", tm.APIVersion)
	}
	return tr, err
}

// rawPayload is Chains' getRawPayload (pkg/chains/signing.go, unexported there): the bytes Chains signs.
func rawPayload(payload any) ([]byte, error) {
	switch p := payload.(type) {
	case intoto.Statement:
		return protojson.Marshal(&p)
	case *intoto.Statement:
		if p == nil {
			return json.Marshal(payload)
		}
		return protojson.Marshal(p)
	default:
		return json.Marshal(payload)
	}
}

func chainsConfig(c payloadConfig, kind string) (*config.Config, error) {
	data := map[string]string{}
	if kind == "PipelineRun" {
		data["artifacts.pipelinerun.format"] = c.Format
		if c.DeepInspection {
			data["artifacts.pipelinerun.enable-deep-inspection"] = "true"
		}
	} else {
		data["artifacts.taskrun.format"] = c.Format
	}
	if c.BuildType != "" {
		data["builddefinition.buildtype"] = c.BuildType
	}
	return config.NewConfigFromMap(data)
}

func createPayload(ctx context.Context, c payloadConfig, kind string, obj objects.TektonObject) payloadResult {
	result := payloadResult{Config: c}
	cfg, err := chainsConfig(c, kind)
	if err != nil {
		result.Error = err.Error()
		return result
	}
	payloader, err := formats.GetPayloader(config.PayloadType(c.Format), *cfg)
	if err != nil {
		result.Error = err.Error()
		return result
	}
	payload, err := payloader.CreatePayload(ctx, obj)
	if err != nil {
		result.Error = err.Error()
		return result
	}
	raw, err := rawPayload(payload)
	if err != nil {
		result.Error = err.Error()
		return result
	}
	result.Payload = string(raw)
	return result
}

// imagePayloads are the simplesigning payloads of the images Chains' artifacts.oci signs for a TaskRun.
func imagePayloads(ctx context.Context, obj objects.TektonObject) ([]string, error) {
	payloader, err := formats.GetPayloader(formats.PayloadTypeSimpleSigning, config.Config{})
	if err != nil {
		return nil, err
	}
	var out []string
	for _, image := range (&artifacts.OCIArtifact{}).ExtractObjects(ctx, obj) {
		digest, ok := image.(name.Digest)
		if !ok {
			return nil, fmt.Errorf("OCI artifact of type %T", image)
		}
		payload, err := payloader.CreatePayload(ctx, digest)
		if err != nil {
			return nil, err
		}
		raw, err := rawPayload(payload)
		if err != nil {
			return nil, err
		}
		out = append(out, string(raw))
	}
	return out, nil
}

func runCase(ctx context.Context, c payloadCase) caseResult {
	result := caseResult{ID: c.ID}
	var obj objects.TektonObject
	kind := "TaskRun"
	switch {
	case c.PipelineRun != nil:
		kind = "PipelineRun"
		pr, err := toPipelineRunV1(ctx, c.PipelineRun)
		if err != nil {
			result.Error = err.Error()
			return result
		}
		byName := map[string]*v1.TaskRun{}
		for _, raw := range c.TaskRuns {
			tr, err := toTaskRunV1(ctx, raw)
			if err != nil {
				result.Error = err.Error()
				return result
			}
			byName[tr.Name] = tr
		}
		pro := objects.NewPipelineRunObjectV1(pr)
		// Chains' reconciler: every child reference is looked up as a TaskRun; one that is not found (a
		// CustomRun, for instance) or not complete means the PipelineRun is not signed.
		for _, ref := range pr.Status.ChildReferences {
			tr, found := byName[ref.Name]
			if !found {
				result.Error = fmt.Sprintf("not signed: child %s %q is not a TaskRun Chains can get", ref.Kind, ref.Name)
				return result
			}
			if tr.Status.CompletionTime == nil {
				result.Error = fmt.Sprintf("not signed: TaskRun %q has no completionTime", ref.Name)
				return result
			}
			pro.AppendTaskRun(tr)
		}
		obj = pro
	case c.TaskRun != nil:
		tr, err := toTaskRunV1(ctx, c.TaskRun)
		if err != nil {
			result.Error = err.Error()
			return result
		}
		tro := objects.NewTaskRunObjectV1(tr)
		images, err := imagePayloads(ctx, tro)
		if err != nil {
			result.Error = err.Error()
			return result
		}
		result.Images = images
		obj = tro
	default:
		result.Error = "a case needs pipelineRun or taskRun"
		return result
	}
	for _, cfg := range c.Configs {
		result.Payloads = append(result.Payloads, createPayload(ctx, cfg, kind, obj))
	}
	return result
}

func payloadMode(input []byte) (any, error) {
	var req struct {
		Cases []payloadCase `json:"cases"`
	}
	if err := decode(input, &req); err != nil {
		return nil, fmt.Errorf("request: %w", err)
	}
	ctx := context.Background()
	out := struct {
		Cases []caseResult `json:"cases"`
	}{Cases: []caseResult{}}
	for _, c := range req.Cases {
		out.Cases = append(out.Cases, runCase(ctx, c))
	}
	return out, nil
}

// normalizeObject re-encodes one object through Tekton's Go types (in its own apiVersion, or converted to v1),
// as a controller built from these types writes it.
func normalizeObject(ctx context.Context, raw []byte, toV1 bool) (any, error) {
	tm, err := readTypeMeta(raw)
	if err != nil {
		return nil, err
	}
	if toV1 {
		switch tm.Kind {
		case "PipelineRun":
			return toPipelineRunV1(ctx, raw)
		case "TaskRun":
			return toTaskRunV1(ctx, raw)
		}
	}
	var obj any
	switch tm.APIVersion + "/" + tm.Kind {
	case "tekton.dev/v1/PipelineRun":
		obj = &v1.PipelineRun{}
	case "tekton.dev/v1/TaskRun":
		obj = &v1.TaskRun{}
	case "tekton.dev/v1beta1/PipelineRun":
		obj = &v1beta1.PipelineRun{}
	case "tekton.dev/v1beta1/TaskRun":
		obj = &v1beta1.TaskRun{}
	case "tekton.dev/v1beta1/CustomRun":
		obj = &v1beta1.CustomRun{}
	default:
		return nil, fmt.Errorf("normalize: unsupported %s %s", tm.APIVersion, tm.Kind)
	}
	if err := decodeCaseSensitive(raw, obj); err != nil {
		return nil, err
	}
	return obj, nil
}

func normalizeMode(input []byte) (any, error) {
	var req struct {
		Objects []json.RawMessage `json:"objects"`
		ToV1    bool              `json:"toV1"`
	}
	if err := decode(input, &req); err != nil {
		return nil, fmt.Errorf("request: %w", err)
	}
	ctx := context.Background()
	out := struct {
		Objects []any `json:"objects"`
	}{Objects: []any{}}
	for i, raw := range req.Objects {
		obj, err := normalizeObject(ctx, raw, req.ToV1)
		if err != nil {
			return nil, fmt.Errorf("objects[%d]: %w", i, err)
		}
		out.Objects = append(out.Objects, obj)
	}
	return out, nil
}

var _ apis.Convertible = &v1.PipelineRun{}

// pipelineResultsMode rebuilds the reconciler's PipelineRunState from the children (each pipeline task with
// its TaskRuns or CustomRuns, by the tekton.dev/pipelineTask label, in the given order) and calls the code
// the reconciler runs when the run ends (pkg/reconciler/pipelinerun/pipelinerun.go, updatePipelineRunStatus:
// ApplyTaskResultsToPipelineResults(spec.results, state.GetTaskRunsResults(), state.GetRunsResults(),
// union of GetPipelineTaskStatus and GetPipelineFinalTaskStatus)). Not covered: matrixed tasks, whose results
// the reconciler reads from a cache that only result references fill.
func pipelineResultsMode(input []byte) (any, error) {
	var req struct {
		PipelineRun json.RawMessage   `json:"pipelineRun"`
		TaskRuns    []json.RawMessage `json:"taskRuns"`
		CustomRuns  []json.RawMessage `json:"customRuns"`
	}
	if err := decode(input, &req); err != nil {
		return nil, fmt.Errorf("request: %w", err)
	}
	ctx := context.Background()
	pr, err := toPipelineRunV1(ctx, req.PipelineRun)
	if err != nil {
		return nil, err
	}
	spec := pr.Status.PipelineSpec
	if spec == nil {
		return nil, fmt.Errorf("PipelineRun %s has no status.pipelineSpec", pr.Name)
	}
	taskRuns := map[string][]*v1.TaskRun{}
	for _, raw := range req.TaskRuns {
		tr, err := toTaskRunV1(ctx, raw)
		if err != nil {
			return nil, err
		}
		task := tr.Labels["tekton.dev/pipelineTask"]
		taskRuns[task] = append(taskRuns[task], tr)
	}
	customRuns := map[string][]*v1beta1.CustomRun{}
	for _, raw := range req.CustomRuns {
		run := &v1beta1.CustomRun{}
		if err := decodeCaseSensitive(raw, run); err != nil {
			return nil, err
		}
		task := run.Labels["tekton.dev/pipelineTask"]
		customRuns[task] = append(customRuns[task], run)
	}
	var state resources.PipelineRunState
	for _, list := range [][]v1.PipelineTask{spec.Tasks, spec.Finally} {
		for i := range list {
			task := &list[i]
			rpt := &resources.ResolvedPipelineTask{PipelineTask: task}
			if runs := customRuns[task.Name]; len(runs) > 0 {
				rpt.CustomTask = true
				rpt.CustomRuns = runs
			} else {
				rpt.TaskRuns = taskRuns[task.Name]
			}
			state = append(state, rpt)
		}
	}
	tasksGraph, err := dag.Build(v1.PipelineTaskList(spec.Tasks), v1.PipelineTaskList(spec.Tasks).Deps())
	if err != nil {
		return nil, err
	}
	finalGraph, err := dag.Build(v1.PipelineTaskList(spec.Finally), map[string][]string{})
	if err != nil {
		return nil, err
	}
	facts := &resources.PipelineRunFacts{State: state, TasksGraph: tasksGraph, FinalTasksGraph: finalGraph}
	status := facts.GetPipelineTaskStatus()
	for key, value := range facts.GetPipelineFinalTaskStatus() {
		status[key] = value
	}
	results, applyErr := resources.ApplyTaskResultsToPipelineResults(
		spec.Results, state.GetTaskRunsResults(), state.GetRunsResults(), status)
	out := struct {
		Results []v1.PipelineRunResult `json:"results"`
		Error   string                 `json:"error,omitempty"`
	}{Results: results}
	if out.Results == nil {
		out.Results = []v1.PipelineRunResult{}
	}
	if applyErr != nil {
		out.Error = applyErr.Error()
	}
	return out, nil
}
