// kurator-render: renders a Kurator template the way Kurator's fleet-manager does (Go text/template with the
// sprig TxtFuncMap), as a test peer. Not product code.
//
//	kurator-render TEMPLATE_FILE < DATA.json
//
// DATA.json holds the fields Kurator's render configs carry (PipelineName, PipelineNamespace, Namespace,
// TemplateName, PredefinedTaskName, ServiceAccountName, Params, OwnerReference). The rendered text goes to
// stdout; a parse or execution error goes to stderr with exit code 1.
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"text/template"

	"github.com/Masterminds/sprig/v3"
)

// OwnerReference has the fields of metav1.OwnerReference the templates use.
type OwnerReference struct {
	APIVersion string
	Kind       string
	Name       string
	UID        string
}

// Config is the union of Kurator's render configs (predefined task, RBAC): a struct, so a template that names
// a field Kurator does not have fails as it would in Kurator.
type Config struct {
	PipelineName       string
	PipelineNamespace  string
	Namespace          string
	TemplateName       string
	PredefinedTaskName string
	ServiceAccountName string
	Params             map[string]string
	OwnerReference     *OwnerReference
}

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: kurator-render TEMPLATE_FILE < DATA.json")
		os.Exit(2)
	}
	text, err := os.ReadFile(os.Args[1])
	if err != nil {
		fail(err)
	}
	var cfg Config
	decoder := json.NewDecoder(os.Stdin)
	decoder.DisallowUnknownFields()
	if err := decoder.Decode(&cfg); err != nil {
		fail(fmt.Errorf("data: %w", err))
	}
	tpl, err := template.New(filepath.Base(os.Args[1])).Funcs(sprig.TxtFuncMap()).Parse(string(text))
	if err != nil {
		fail(err)
	}
	if err := tpl.Execute(os.Stdout, cfg); err != nil {
		fail(err)
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, err)
	os.Exit(1)
}
