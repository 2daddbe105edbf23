#!/usr/bin/env python3
"""Checks deploy/ offline: the Kubernetes manifests and the Dockerfile.

No cluster or container engine is needed (none runs on the dev machines), so this is what stands
in for `kubectl apply --dry-run=server` and `docker build`:

- every object in DIR/*.yaml is validated against the Kubernetes JSON schemas bundled with the
  `kubernetes-validate` package, for one fixed Kubernetes version, in strict mode (an unknown
  field is an error, as with `kubectl apply --validate=strict`); duplicate YAML keys are errors;
- what a schema cannot see: a selector that does not match its pod template, a Service that
  selects no pod or targets a port no container has, a probe on an undeclared port, a volume
  mount without a volume (or a volume nobody mounts), a StatefulSet whose serviceName is not a
  headless Service here, a ConfigMap or Secret that no manifest here (examples included) defines;
- ConfigMap keys ending in .toml are parsed, and when a `pollen` binary is found ($POLLEN_BIN or
  .build/debug/pollen) their keys are checked against `pollen config-keys COMMAND --plain`;
- kustomization.yaml, which has no schema there, is checked by hand: its resources exist and
  list every manifest but the examples (*-example.yaml); with kubectl on PATH, `kubectl
  kustomize DIR` is rendered and each rendered object validated too;
- the Dockerfile's shape: at least two FROM stages, a non-root USER and an exec-form ENTRYPOINT
  in the final stage, and SwiftPM's resource bundles copied beside the binary.

Prints one line per object or file checked and exits 1 if anything failed (2 on a usage or
set-up problem).

Usage: Scripts/validate-deploy.py [DIR] [--dockerfile FILE] [--kubernetes-version X.Y]
  DIR defaults to deploy/kubernetes, FILE to deploy/Dockerfile (both from the package root).
Needs: pip install kubernetes-validate (Scripts/test.sh installs it into .venv).
"""

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

# The Kubernetes version whose schemas the manifests must satisfy: the oldest release these
# manifests are meant for. Every field they use exists and is on by default there (the
# StatefulSet's persistentVolumeClaimRetentionPolicy is beta, enabled by default, from 1.27 and
# GA in 1.32). kubernetes-validate 1.37 bundles schemas for 1.25 to 1.37.
KUBERNETES_VERSION = "1.30"

ROOT = Path(__file__).resolve().parent.parent

try:
    import yaml
    import kubernetes_validate
    from kubernetes_validate.utils import SchemaNotFoundError, ValidationError
except ImportError as error:  # pragma: no cover - set-up problem
    print(
        f"FATAL {error}: install kubernetes-validate (`.venv/bin/pip install kubernetes-validate`; "
        "Scripts/test.sh does it)",
        file=sys.stderr,
    )
    sys.exit(2)

try:
    import tomllib  # Python 3.11+
except ImportError:  # pragma: no cover
    tomllib = None

WORKLOADS = {"Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job"}
KUSTOMIZATION_KEYS = {
    "apiVersion", "kind", "metadata", "namespace", "namePrefix", "nameSuffix", "resources",
    "components", "images", "labels", "commonLabels", "commonAnnotations", "configMapGenerator",
    "secretGenerator", "generatorOptions", "patches", "replicas", "buildMetadata",
}


class Report:
    """Collects the output lines and counts failures."""

    def __init__(self):
        self.failures = 0
        self.objects = 0

    def ok(self, where, what):
        print(f"ok    {where}: {one_line(what)}")

    def fail(self, where, what):
        self.failures += 1
        print(f"FAIL  {where}: {one_line(what)}")

    def note(self, where, what):
        print(f"note  {where}: {one_line(what)}")


def one_line(text):
    return " ".join(str(text).split())


def shown(path):
    """`path` relative to the package root when it is inside it."""
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)


class UniqueKeyLoader(yaml.SafeLoader):
    """A SafeLoader that refuses a mapping with the same key twice (PyYAML keeps the last one
    silently; kustomize and kubectl's strict field validation refuse it)."""


def _construct_mapping(loader, node, deep=False):
    seen = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r}", key_node.start_mark)
        seen.add(key)
    return yaml.SafeLoader.construct_mapping(loader, node, deep)


UniqueKeyLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def name_of(doc):
    meta = doc.get("metadata") or {}
    return f"{doc.get('kind', '?')}/{meta.get('name', '?')}"


def load_documents(path, report):
    """The non-empty YAML documents of `path`, or None if it does not parse."""
    try:
        docs = [d for d in yaml.load_all(path.read_text(), Loader=UniqueKeyLoader) if d is not None]
    except yaml.YAMLError as error:
        report.fail(path.name, f"not valid YAML: {error}")
        return None
    for doc in docs:
        if not isinstance(doc, dict) or not doc.get("apiVersion") or not doc.get("kind"):
            report.fail(path.name, "a document without apiVersion and kind")
            return None
    return docs


def schema_validate(doc, version):
    """None if `doc` is valid for Kubernetes `version` (strict), else the problem."""
    try:
        kubernetes_validate.validate(doc, version, strict=True)
        return None
    except ValidationError as error:
        where = ".".join(str(p) for p in error.path) or "(top level)"
        return f"{where}: {error.message}"
    except SchemaNotFoundError as error:
        return error.message


# --- cross-object checks ---------------------------------------------------------------------

def pod_spec(doc):
    if doc["kind"] == "Pod":
        return doc.get("spec") or {}
    return ((doc.get("spec") or {}).get("template") or {}).get("spec") or {}


def pod_labels(doc):
    return (((doc.get("spec") or {}).get("template") or {}).get("metadata") or {}).get("labels") or {}


def containers(spec):
    return (spec.get("initContainers") or []) + (spec.get("containers") or [])


def workload_problems(doc, objects):
    """What the API server or the kubelet would refuse or trip over, that no schema says."""
    problems = []
    spec = doc.get("spec") or {}
    selector = (spec.get("selector") or {}).get("matchLabels") or {}
    labels = pod_labels(doc)
    if doc["kind"] != "Job" and any(labels.get(k) != v for k, v in selector.items()):
        problems.append(f"spec.selector.matchLabels {selector} do not match the pod labels {labels}")
    pod = pod_spec(doc)
    volumes = {v.get("name") for v in pod.get("volumes") or []}
    if doc["kind"] == "StatefulSet":
        volumes |= {(t.get("metadata") or {}).get("name") for t in spec.get("volumeClaimTemplates") or []}
        service = spec.get("serviceName")
        if service:
            governing = objects.get(("Service", service))
            if governing is None:
                problems.append(f"spec.serviceName {service!r} is not a Service in these manifests")
            elif (governing.get("spec") or {}).get("clusterIP") != "None":
                problems.append(f"spec.serviceName {service!r} is not headless (clusterIP: None)")
    mounted = set()
    for c in containers(pod):
        ports = {p.get("name") for p in c.get("ports") or [] if p.get("name")}
        for m in c.get("volumeMounts") or []:
            mounted.add(m.get("name"))
            if m.get("name") not in volumes:
                problems.append(f"container {c.get('name')!r} mounts {m.get('name')!r}, which is no volume")
        for probe in ("readinessProbe", "livenessProbe", "startupProbe"):
            handler = c.get(probe) or {}
            for kind in ("httpGet", "tcpSocket", "grpc"):
                port = (handler.get(kind) or {}).get("port")
                if isinstance(port, str) and port not in ports:
                    problems.append(f"container {c.get('name')!r} {probe} uses port {port!r}, which it does not declare")
    for v in pod.get("volumes") or []:
        if v.get("name") not in mounted:
            problems.append(f"volume {v.get('name')!r} is mounted by no container")
        for kind, field, ref_kind in (("configMap", "name", "ConfigMap"), ("secret", "secretName", "Secret")):
            source = v.get(kind)
            if source and (ref_kind, source.get(field)) not in objects:
                problems.append(
                    f"volume {v.get('name')!r} needs {ref_kind} {source.get(field)!r}, which no manifest here "
                    f"defines (add it, or its shape to an *-example.yaml)")
    return problems


def service_problems(doc, objects):
    spec = doc.get("spec") or {}
    selector = spec.get("selector") or {}
    if not selector:
        return []
    pods = [o for o in objects.values() if o["kind"] in WORKLOADS
            and all(pod_labels(o).get(k) == v for k, v in selector.items())]
    if not pods:
        return [f"spec.selector {selector} matches no pod template in these manifests"]
    problems = []
    for port in spec.get("ports") or []:
        target = port.get("targetPort", port.get("port"))
        for workload in pods:
            declared = [p for c in containers(pod_spec(workload)) for p in c.get("ports") or []]
            if not any(p.get("name") == target or p.get("containerPort") == target for p in declared):
                problems.append(f"port {port.get('name', target)!r} targets {target!r}, which {name_of(workload)} does not declare")
    return problems


def pollen_binary():
    path = os.environ.get("POLLEN_BIN") or str(ROOT / ".build/debug/pollen")
    return path if os.access(path, os.X_OK) else None


def config_keys(pollen, command):
    """{long option: kind} from `pollen config-keys COMMAND --plain`, or None."""
    try:
        out = subprocess.run([pollen, "config-keys", command, "--plain"], capture_output=True,
                             text=True, timeout=60, check=True).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    keys = {}
    for line in out.splitlines():
        option, _, kind = line.split("\t")
        keys[option] = kind
    return keys


def toml_problems(doc, pollen):
    """Problems of the .toml files in a ConfigMap, and a note of what was checked."""
    problems, checked = [], []
    for key, text in (doc.get("data") or {}).items():
        if not key.endswith(".toml"):
            continue
        if tomllib is None:
            checked.append(f"{key} not parsed (no tomllib before Python 3.11)")
            continue
        try:
            table = tomllib.loads(text)
        except tomllib.TOMLDecodeError as error:
            problems.append(f"{key}: {error}")
            continue
        command = key[: -len(".toml")]
        known = config_keys(pollen, command) if pollen and command in ("server", "simulate") else None
        if known is None:
            checked.append(f"{key} parses")
            continue
        for name, value in table.items():
            option = name.replace("_", "-")
            if option not in known:
                problems.append(f"{key}: `pollen {command}` has no option {name!r}")
            elif known[option] == "int" and (not isinstance(value, int) or isinstance(value, bool)):
                problems.append(f"{key}: {name} must be an integer, found {value!r}")
            elif known[option] == "double" and (not isinstance(value, (int, float)) or isinstance(value, bool)):
                problems.append(f"{key}: {name} must be a number, found {value!r}")
            elif known[option] == "string" and not isinstance(value, str):
                problems.append(f"{key}: {name} must be a string, found {value!r}")
        if command == "server" and "resume" in table:
            problems.append(f"{key}: `resume` belongs to the container's start script, which adds --resume "
                            "only when the run store exists (a first start with it fails)")
        checked.append(f"{key} parses; its keys are options of `pollen {command}`")
    return problems, checked


# --- kustomization -----------------------------------------------------------------------------

def check_kustomization(path, doc, manifests, report):
    unknown = sorted(set(doc) - KUSTOMIZATION_KEYS)
    if unknown:
        report.fail(path.name, f"Kustomization: unknown fields {unknown}")
        return
    resources = doc.get("resources") or []
    missing = [r for r in resources if not (path.parent / r).is_file()]
    unlisted = sorted(m.name for m in manifests if m.name not in resources
                      and m.name != path.name and not m.name.endswith("-example.yaml"))
    if missing or unlisted:
        if missing:
            report.fail(path.name, f"Kustomization: resources that do not exist: {missing}")
        if unlisted:
            report.fail(path.name, f"Kustomization: manifests it does not list: {unlisted}")
        return
    report.ok(path.name, f"Kustomization (no schema in kubernetes-validate; its {len(resources)} resources "
                         "exist and are every manifest but the *-example.yaml ones)")


def check_rendered(directory, version, report):
    kubectl = shutil.which("kubectl")
    where = f"kubectl kustomize {shown(directory)}"
    if kubectl is None:
        report.note(where, "kubectl not on PATH; the rendered kustomization was not checked")
        return
    try:
        result = subprocess.run([kubectl, "kustomize", str(directory)], capture_output=True,
                                text=True, timeout=120)
    except (OSError, subprocess.SubprocessError) as error:
        report.note(where, f"could not run kubectl: {error}")
        return
    if result.returncode != 0:
        report.fail(where, result.stderr)
        return
    docs = [d for d in yaml.safe_load_all(result.stdout) if d]
    bad = [(name_of(d), schema_validate(d, version)) for d in docs]
    bad = [(n, p) for n, p in bad if p]
    for name, problem in bad:
        report.fail(where, f"{name}: {problem}")
    if not bad:
        report.ok(where, f"{len(docs)} objects rendered, each valid ({', '.join(name_of(d) for d in docs)})")


# --- Dockerfile --------------------------------------------------------------------------------

def dockerfile_instructions(text):
    """(INSTRUCTION, arguments) pairs, comments dropped and continuation lines joined."""
    instructions, current = [], ""
    for line in text.splitlines():
        stripped = line.strip()
        if not current and (not stripped or stripped.startswith("#")):
            continue
        if current and stripped.startswith("#"):
            continue
        current += " " + stripped[:-1] if stripped.endswith("\\") else " " + stripped
        if not stripped.endswith("\\"):
            word, _, rest = current.strip().partition(" ")
            instructions.append((word.upper(), rest.strip()))
            current = ""
    return instructions


def check_dockerfile(path, report):
    where = shown(path)
    if not path.is_file():
        report.fail(where, "no such file")
        return
    instructions = dockerfile_instructions(path.read_text())
    stages = [i for i, (word, _) in enumerate(instructions) if word == "FROM"]
    if len(stages) < 2:
        report.fail(where, f"{len(stages)} FROM stage(s); a build stage and a runtime stage are expected")
        return
    final = instructions[stages[-1]:]
    users = [args for word, args in final if word == "USER"]
    entrypoints = [args for word, args in final if word == "ENTRYPOINT"]
    problems = []
    user = users[-1] if users else None
    if user is None:
        problems.append("the final stage sets no USER (it would run as root)")
    elif user.split(":")[0] in ("root", "0"):
        problems.append(f"the final stage's USER is {user}")
    if not entrypoints:
        problems.append("the final stage has no ENTRYPOINT")
    else:
        try:
            if not isinstance(json.loads(entrypoints[-1]), list):
                raise ValueError
        except ValueError:
            problems.append(f"ENTRYPOINT {entrypoints[-1]} is not in exec form (a JSON array)")
    if not any(word == "COPY" and "--from=" in args for word, args in final):
        problems.append("the final stage copies nothing from the build stage")
    if ".resources" not in path.read_text():
        problems.append("SwiftPM's *.resources bundles are not copied (pollen client and simulate need them)")
    for problem in problems:
        report.fail(where, problem)
    if not problems:
        # ARGs before the first FROM are the images' defaults (--build-arg overrides them).
        defaults = dict(a.split("=", 1) for w, a in instructions[:stages[0]] if w == "ARG" and "=" in a)
        froms = [re.sub(r"\$\{(\w+)\}", lambda m: defaults.get(m.group(1), m.group(0)), instructions[i][1])
                 for i in stages]
        report.ok(where, f"{len(stages)} stages ({'; '.join(froms)}), USER {user}, "
                         f"ENTRYPOINT {entrypoints[-1]}")
    ignore = ROOT / ".dockerignore"
    if path.is_relative_to(ROOT):
        patterns = ignore.read_text().split() if ignore.is_file() else []
        if ".build" not in patterns:
            report.fail(".dockerignore", "does not exclude .build (the build context would be gigabytes)")
        else:
            report.ok(".dockerignore", "excludes .build, .venv and the other build products")


# --- main --------------------------------------------------------------------------------------

def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("directory", nargs="?", default=str(ROOT / "deploy/kubernetes"),
                        help="the manifests (default: deploy/kubernetes)")
    parser.add_argument("--dockerfile", default=str(ROOT / "deploy/Dockerfile"),
                        help="the Dockerfile to check (default: deploy/Dockerfile)")
    parser.add_argument("--kubernetes-version", default=KUBERNETES_VERSION,
                        help=f"the schemas' Kubernetes version (default: {KUBERNETES_VERSION})")
    args = parser.parse_args()
    directory = Path(args.directory).resolve()
    manifests = sorted(p for p in directory.glob("*.y*ml") if p.suffix in (".yaml", ".yml"))
    if not manifests:
        print(f"FATAL no *.yaml in {directory}", file=sys.stderr)
        return 2
    version = args.kubernetes_version
    print(f"kubernetes-validate {kubernetes_validate.__version__}, Kubernetes {version} schemas, strict; "
          f"manifests in {shown(directory)}")

    report = Report()
    loaded = []
    for path in manifests:
        docs = load_documents(path, report)
        if docs is not None:
            loaded.append((path, docs))
    objects = {}
    for path, docs in loaded:
        for doc in docs:
            objects[(doc["kind"], (doc.get("metadata") or {}).get("name"))] = doc

    pollen = pollen_binary()
    for path, docs in loaded:
        for doc in docs:
            if doc["kind"] == "Kustomization":
                check_kustomization(path, doc, manifests, report)
                continue
            report.objects += 1
            problem = schema_validate(doc, version)
            if problem:
                report.fail(path.name, f"{name_of(doc)}: {problem}")
                continue
            problems, checked = [], []
            if doc["kind"] in WORKLOADS:
                problems = workload_problems(doc, objects)
            elif doc["kind"] == "Service":
                problems = service_problems(doc, objects)
            elif doc["kind"] == "ConfigMap":
                problems, checked = toml_problems(doc, pollen)
            for p in problems:
                report.fail(path.name, f"{name_of(doc)}: {p}")
            if not problems:
                extra = f"; {', '.join(checked)}" if checked else ""
                report.ok(path.name, f"{name_of(doc)} ({doc['apiVersion']}){extra}")
    if any(path.name == "kustomization.yaml" for path, _ in loaded):
        check_rendered(directory, version, report)
    check_dockerfile(Path(args.dockerfile).resolve(), report)

    print(f"{report.objects} objects in {len(manifests)} files, Dockerfile included: "
          + ("all valid" if report.failures == 0 else f"{report.failures} problem(s)"))
    return 1 if report.failures else 0


if __name__ == "__main__":
    sys.exit(main())
