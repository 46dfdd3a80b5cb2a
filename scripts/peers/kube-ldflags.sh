# Sourced by build-kube.sh and build-kubectl.sh: the -X flags that stamp a Kubernetes binary built
# from the module proxy with its version (what `kubectl version` and /version report).
kube_version_ldflags() {
  local version="$1" minor flags="" pkg
  minor="${version#v1.}"; minor="${minor%%.*}"
  for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    flags+=" -X $pkg.gitVersion=$version -X $pkg.gitMajor=1 -X $pkg.gitMinor=$minor"
    flags+=" -X $pkg.gitTreeState=clean -X $pkg.buildDate=1970-01-01T00:00:00Z"
  done
  echo "$flags"
}
