#!/usr/bin/env python3
"""Writes bench/suites/{kdrill,chainsaw,kuttl}/: the same workload in each tool's own format.

Run it after changing the workload (the output is committed so that it can be read and
reviewed): python3 bench/lib/gen_suites.py

Groups (one directory per group and tool; a suite is one tool invocation over groups):
  basic/     (a) pod Running, (c) patch + assert, (d) delete + wait gone
  extra/     (b) Deployment of 3 replicas available, (e) 20 ConfigMaps applied and asserted
  parallel/  (f) 10 small scenarios (ConfigMap applied + asserted, nginx pod Running)
  small/     (g) 60 tiny scenarios (ConfigMap applied, merge-patched, asserted)
  tiny200/   (h) 200 tiny scenarios, the same as (g): the workload of issue 18 ("200 tiny
             scenarios at -j 4"). Not committed (1,000 files of one pattern): bench/run
             writes it with write_generated() into its output directory.

No PyYAML in the stdlib: a tiny block-style YAML emitter (to_yaml) writes the files.
"""
import json
import os
import shutil
import sys

BENCH = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(BENCH, "suites")


def pod(name, labels=None):
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "labels": labels or {}},
        "spec": {"containers": [{"name": "nginx", "image": "nginx:latest", "imagePullPolicy": "IfNotPresent"}]},
    }


def deployment(name, replicas):
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": {"app": name}},
            "template": {
                "metadata": {"labels": {"app": name}},
                "spec": {"containers": [{"name": "nginx", "image": "nginx:latest", "imagePullPolicy": "IfNotPresent"}]},
            },
        },
    }


def cm(name, data):
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name}, "data": data}


def ref(obj):
    return {"apiVersion": obj["apiVersion"], "kind": obj["kind"], "name": obj["metadata"]["name"]}


def partial(obj, **fields):
    out = {"apiVersion": obj["apiVersion"], "kind": obj["kind"], "metadata": {"name": obj["metadata"]["name"]}}
    out.update(fields)
    return out


MARK = 'date +%s.%N >> "${BENCH_MARKS:-/tmp}/a-running.txt"'

# A scenario: name, group, list of abstract steps:
#   ("apply", [objs])               apply objects (one step)
#   ("assert", [partial objs])      each must (eventually) contain the partial object
#   ("patch", obj, merge-patch)     merge patch of one object
#   ("delete", obj)                 delete and wait until gone
#   ("mark",)                       host command: append `date +%s.%N` to $BENCH_MARKS/a-running.txt
A_POD = pod("web", {"bench": "a-running"})
C_CM = cm("settings", {"mode": "test"})
D_POD = pod("doomed")
B_DEP = deployment("web", 3)
E_CMS = [cm("cm-%02d" % i, {"index": str(i), "payload": "x" * 64}) for i in range(1, 21)]

SCENARIOS = [
    ("a-pod-running", "basic", [
        ("apply", [A_POD]),
        ("assert", [partial(A_POD, status={"phase": "Running"})]),
        ("mark",),
    ]),
    ("c-patch", "basic", [
        ("apply", [C_CM]),
        ("patch", C_CM, {"data": {"mode": "patched"}}),
        ("assert", [partial(C_CM, data={"mode": "patched"})]),
    ]),
    ("d-delete", "basic", [
        ("apply", [D_POD]),
        ("assert", [partial(D_POD, status={"phase": "Running"})]),
        ("delete", D_POD),
    ]),
    ("b-deployment", "extra", [
        ("apply", [B_DEP]),
        ("assert", [partial(B_DEP, status={"readyReplicas": 3, "availableReplicas": 3})]),
    ]),
    ("e-configmaps-20", "extra", [
        ("apply", E_CMS),
        ("assert", [partial(c, data=c["data"]) for c in E_CMS]),
    ]),
]
for i in range(1, 11):
    c = cm("small", {"n": str(i)})
    p = pod("small")
    SCENARIOS.append(("f-small-%02d" % i, "parallel", [
        ("apply", [c, p]),
        ("assert", [partial(c, data=c["data"])]),
        ("assert", [partial(p, status={"phase": "Running"})]),
    ]))


def tiny(i):
    """(g)/(h): apply a ConfigMap, merge-patch it, assert the patched value."""
    c = cm("tiny", {"n": str(i), "mode": "test"})
    return [("apply", [c]), ("patch", c, {"data": {"mode": "patched"}}), ("assert", [partial(c, data={"n": str(i), "mode": "patched"})])]


for i in range(1, 61):
    SCENARIOS.append(("g-small-%02d" % i, "small", tiny(i)))

# groups written on demand (write_generated), not committed
GENERATED = [("h-tiny-%03d" % i, "tiny200", tiny(i)) for i in range(1, 201)]
GENERATED_GROUPS = {"tiny200"}


import re

_PLAIN = re.compile(r"^[A-Za-z_/][A-Za-z0-9_./-]*$")
_SPECIAL = {"true", "false", "null", "yes", "no", "on", "off", "y", "n", "~"}


def scalar(v):
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return str(v)
    if v is None:
        return "null"
    if _PLAIN.match(v) and v.lower() not in _SPECIAL:
        return v
    return json.dumps(v)  # a JSON string is a YAML double-quoted scalar


def to_yaml(v, indent=0):
    pad = "  " * indent
    if isinstance(v, dict):
        if not v:
            return pad + "{}\n"
        out = ""
        for k, x in v.items():
            if isinstance(x, (dict, list)) and x:
                out += "%s%s:\n%s" % (pad, k, to_yaml(x, indent + 1 if isinstance(x, dict) else indent))
            else:
                out += "%s%s: %s\n" % (pad, k, "{}" if x == {} else "[]" if x == [] else scalar(x))
        return out
    if isinstance(v, list):
        out = ""
        for x in v:
            if isinstance(x, (dict, list)) and x:
                body = to_yaml(x, indent + 1)
                out += pad + "- " + body[len(pad) + 2:]
            else:
                out += pad + "- " + scalar(x) + "\n"
        return out
    return pad + scalar(v) + "\n"


def dump(obj):
    return to_yaml(obj)


def docs(objs):
    return "---\n".join(dump(o) for o in objs)


OUT_DIR = [OUT]  # where kdrill()/chainsaw()/kuttl() write: bench/suites, or a generated tree


def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)


def kdrill(name, group, steps):
    out = []
    for s in steps:
        if s[0] == "apply":
            out.append({"apply": {"manifest": s[1] if len(s[1]) > 1 else s[1][0]}})
        elif s[0] == "assert":
            for o in s[1]:
                body = {k: v for k, v in o.items() if k not in ("apiVersion", "kind", "metadata")}
                out.append({"assert": {"object": "%s/%s" % (kind_ref(o), o["metadata"]["name"]), "matches": body}})
        elif s[0] == "patch":
            out.append({"patch": {"object": "%s/%s" % (kind_ref(s[1]), s[1]["metadata"]["name"]), "type": "merge", "patch": s[2]}})
        elif s[0] == "delete":
            out.append({"delete": {"object": "%s/%s" % (kind_ref(s[1]), s[1]["metadata"]["name"])}})
        elif s[0] == "mark":
            out.append({"name": "mark", "command": {"run": MARK}})
    sc = {"apiVersion": "kdrill.dev/v1alpha1", "kind": "Scenario", "name": name, "steps": out}
    write(os.path.join(OUT_DIR[0], "kdrill", group, name + ".yaml"), dump(sc))


def kind_ref(o):
    group = o["apiVersion"].split("/")[0] if "/" in o["apiVersion"] else ""
    return o["kind"].lower() + ("." + group if group else "")


def chainsaw(name, group, steps):
    ops = []
    for s in steps:
        if s[0] == "apply":
            for o in s[1]:
                ops.append({"apply": {"resource": o}})
        elif s[0] == "assert":
            for o in s[1]:
                ops.append({"assert": {"resource": o}})
        elif s[0] == "patch":
            p = partial(s[1], **s[2])
            ops.append({"patch": {"resource": p}})
        elif s[0] == "delete":
            ops.append({"delete": {"ref": ref(s[1])}})  # waits until gone (polls every 50 ms)
        elif s[0] == "mark":
            ops.append({"script": {"content": MARK}})
    test = {"apiVersion": "chainsaw.kyverno.io/v1alpha1", "kind": "Test", "metadata": {"name": name},
            "spec": {"steps": [{"try": ops}]}}
    write(os.path.join(OUT_DIR[0], "chainsaw", group, name, "chainsaw-test.yaml"), dump(test))


def kuttl(name, group, steps):
    # KUTTL: a test case is a directory of numbered steps; within one step the order is
    # delete (waits until gone) -> commands -> apply files -> asserts/errors (polled every 1 s).
    d = os.path.join(OUT_DIR[0], "kuttl", group, name)
    n = 0
    pending = {}  # the current step: apply objs, asserts

    def flush():
        nonlocal n, pending
        if not pending:
            return
        pre = "%02d" % n
        if pending.get("delete") or pending.get("commands"):
            ts = {"apiVersion": "kuttl.dev/v1beta1", "kind": "TestStep"}
            if pending.get("delete"):
                ts["delete"] = pending["delete"]
            if pending.get("commands"):
                ts["commands"] = pending["commands"]
            write(os.path.join(d, pre + "-step.yaml"), dump(ts))
        if pending.get("apply"):
            write(os.path.join(d, pre + "-apply.yaml"), docs(pending["apply"]))
        if pending.get("assert"):
            write(os.path.join(d, pre + "-assert.yaml"), docs(pending["assert"]))
        if pending.get("errors"):
            write(os.path.join(d, pre + "-errors.yaml"), docs(pending["errors"]))
        n += 1
        pending = {}

    for s in steps:
        if s[0] == "apply":
            if pending.get("assert") or pending.get("apply"):
                flush()
            pending.setdefault("apply", []).extend(s[1])
        elif s[0] == "assert":
            pending.setdefault("assert", []).extend(s[1])
        elif s[0] == "patch":
            # KUTTL applies a partial object to an existing one as a merge patch
            flush()
            pending.setdefault("apply", []).append(partial(s[1], **s[2]))
        elif s[0] == "delete":
            flush()
            pending["delete"] = [ref(s[1])]
            pending["errors"] = [{"apiVersion": s[1]["apiVersion"], "kind": s[1]["kind"], "metadata": {"name": s[1]["metadata"]["name"]}}]
        elif s[0] == "mark":
            flush()
            pending["commands"] = [{"script": MARK}]
    flush()


def write_generated(root):
    """The generated groups (tiny200) under root/{kdrill,chainsaw,kuttl}/GROUP/, fresh."""
    for tool in ("kdrill", "chainsaw", "kuttl"):
        for g in GENERATED_GROUPS:
            shutil.rmtree(os.path.join(root, tool, g), ignore_errors=True)
    OUT_DIR[0] = root
    try:
        for name, group, steps in GENERATED:
            kdrill(name, group, steps)
            chainsaw(name, group, steps)
            kuttl(name, group, steps)
    finally:
        OUT_DIR[0] = OUT


def main():
    for tool in ("kdrill", "chainsaw", "kuttl"):
        shutil.rmtree(os.path.join(OUT, tool), ignore_errors=True)
    for name, group, steps in SCENARIOS:
        kdrill(name, group, steps)
        chainsaw(name, group, steps)
        kuttl(name, group, steps)
    print("wrote", OUT, file=sys.stderr)


if __name__ == "__main__":
    main()
