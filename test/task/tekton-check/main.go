// tekton-check: Tekton's own code as a test peer for tekton-attest's packaging.
//
//	tekton-check validate FILE...            SetDefaults + Validate every Tekton object (tektoncd/pipeline v1 APIs)
//	tekton-check bundle REF KIND NAME         fetch an entry the way the bundles resolver does (GetEntry)
//
// validate prints one JSON line per object {file, kind, name, error}; bundle prints
// {data, annotations, source}. Exit 1 when anything is invalid or the entry cannot be resolved.
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"

	"github.com/google/go-containerregistry/pkg/authn"
	v1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	"github.com/tektoncd/pipeline/pkg/resolution/resolver/bundle"
	"k8s.io/apimachinery/pkg/util/yaml"
	"knative.dev/pkg/apis"
)

type validatable interface {
	apis.Defaultable
	apis.Validatable
}

func main() {
	if len(os.Args) < 2 {
		fail("usage: tekton-check validate FILE... | bundle REF KIND NAME")
	}
	switch os.Args[1] {
	case "validate":
		os.Exit(validate(os.Args[2:]))
	case "bundle":
		if len(os.Args) != 5 {
			fail("usage: tekton-check bundle REF KIND NAME")
		}
		os.Exit(resolve(os.Args[2], os.Args[3], os.Args[4]))
	default:
		fail("unknown command " + os.Args[1])
	}
}

func fail(message string) {
	fmt.Fprintln(os.Stderr, message)
	os.Exit(2)
}

type report struct {
	File  string `json:"file"`
	Kind  string `json:"kind"`
	Name  string `json:"name"`
	Error string `json:"error,omitempty"`
}

func validate(files []string) int {
	status := 0
	out := json.NewEncoder(os.Stdout)
	for _, file := range files {
		f, err := os.Open(file)
		if err != nil {
			fail(err.Error())
		}
		decoder := yaml.NewYAMLOrJSONDecoder(f, 4096)
		for {
			var raw map[string]interface{}
			if err := decoder.Decode(&raw); err != nil {
				if err.Error() == "EOF" {
					break
				}
				fail(fmt.Sprintf("%s: %v", file, err))
			}
			if raw == nil {
				continue
			}
			kind, _ := raw["kind"].(string)
			apiVersion, _ := raw["apiVersion"].(string)
			if apiVersion != "tekton.dev/v1" {
				continue
			}
			var obj validatable
			switch kind {
			case "Task":
				obj = &v1.Task{}
			case "Pipeline":
				obj = &v1.Pipeline{}
			case "PipelineRun":
				obj = &v1.PipelineRun{}
			case "TaskRun":
				obj = &v1.TaskRun{}
			default:
				continue
			}
			// The API server names generateName objects before admission validates them.
			if meta, ok := raw["metadata"].(map[string]interface{}); ok && meta["name"] == nil && meta["generateName"] != nil {
				meta["name"] = fmt.Sprint(meta["generateName"], "x1y2z")
			}
			data, _ := json.Marshal(raw)
			decoderStrict := json.NewDecoder(strings.NewReader(string(data)))
			decoderStrict.DisallowUnknownFields()
			r := report{File: file, Kind: kind}
			if err := decoderStrict.Decode(obj); err != nil {
				r.Error = "decode: " + err.Error()
			} else {
				ctx := context.Background()
				obj.SetDefaults(ctx)
				if ferr := obj.Validate(ctx); ferr != nil {
					r.Error = ferr.Error()
				}
			}
			if meta, ok := raw["metadata"].(map[string]interface{}); ok {
				r.Name, _ = meta["name"].(string)
			}
			if r.Error != "" {
				status = 1
			}
			_ = out.Encode(r)
		}
		f.Close()
	}
	return status
}

func resolve(ref, kind, name string) int {
	entry, err := bundle.GetEntry(context.Background(), authn.DefaultKeychain, bundle.RequestOptions{
		Bundle:    ref,
		EntryName: name,
		Kind:      kind,
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	var data interface{}
	if err := json.Unmarshal(entry.Data(), &data); err != nil {
		fmt.Fprintln(os.Stderr, "entry is not JSON:", err)
		return 1
	}
	_ = json.NewEncoder(os.Stdout).Encode(map[string]interface{}{
		"data":        data,
		"annotations": entry.Annotations(),
		"source":      entry.RefSource(),
	})
	return 0
}
