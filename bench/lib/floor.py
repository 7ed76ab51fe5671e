#!/usr/bin/env python3
"""The floor: the benchmark workload done with the fewest API calls we know, by a client with
no features at all (Python stdlib, User-Agent kdrill-bench-floor). Per scenario, like the
tools: create a namespace, server-side apply each object, wait on a watch (or one GET/LIST
when the state already holds), merge-patch, delete + watch until gone, delete the namespace
and watch until it is gone. No discovery (resource paths are known), no retries.
Cleanup: DELETE the scenario's pods (not waiting) and the namespace, then watch the namespace until
it is gone; overlapped, as kdrill's: a scenario's thread is free as soon as its steps end, its cleanup
runs on a thread of its own, and the run waits for every cleanup before it exits.

usage: floor.py KUBECONFIG PARALLEL GROUP...     exit 0 when every scenario passed
"""
import json
import os
import random
import string
import sys
import time
from concurrent.futures import ThreadPoolExecutor

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gen_suites import GENERATED, SCENARIOS  # noqa: E402
from kube import Kube  # noqa: E402

PLURAL = {("v1", "Pod"): "pods", ("v1", "ConfigMap"): "configmaps", ("apps/v1", "Deployment"): "deployments"}
TIMEOUT = 60
CLEANUP_POOL = [None]  # the cleanups' threads (main)


def coll(ns, o):
    av = o["apiVersion"]
    base = "/api/v1" if av == "v1" else "/apis/" + av
    return "%s/namespaces/%s/%s" % (base, ns, PLURAL[(av, o["kind"])])


def holds(expected, actual):
    if isinstance(expected, dict):
        return isinstance(actual, dict) and all(holds(v, actual.get(k)) for k, v in expected.items())
    if isinstance(expected, list):
        return isinstance(actual, list) and len(expected) == len(actual) and all(holds(e, a) for e, a in zip(expected, actual))
    if actual is None:
        return expected is None
    return str(expected).lower() == str(actual).lower() if isinstance(actual, bool) else str(expected) == str(actual)


def check(o):
    return {k: v for k, v in o.items() if k not in ("apiVersion", "kind", "metadata")}


def wait_for(k, ns, o, pred, rv=None):
    """Watch one object (fieldSelector on its name) until pred(event type, object) holds."""
    path = coll(ns, o) + "?fieldSelector=metadata.name%3D" + o["metadata"]["name"]
    if rv:
        path += "&resourceVersion=" + rv
    deadline = time.time() + TIMEOUT
    for typ, obj, _t in k.watch(path, TIMEOUT):
        if pred(typ, obj):
            return
        if time.time() > deadline:
            break
    raise RuntimeError("timed out waiting for %s/%s" % (o["kind"], o["metadata"]["name"]))


def run_scenario(k, name, steps, cleanups):
    ns = "floor-%s-%s" % (name, "".join(random.choices(string.ascii_lowercase + string.digits, k=5)))
    st, body = k.request("POST", "/api/v1/namespaces", {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}})
    if st != 201:
        raise RuntimeError("create namespace: %s %s" % (st, body))
    try:
        for s in steps:
            if s[0] == "apply":
                for o in s[1]:
                    st, body = k.request("PATCH", coll(ns, o) + "/" + o["metadata"]["name"] + "?fieldManager=floor&force=true",
                                         json.dumps(o), "application/apply-patch+yaml")
                    if st not in (200, 201):
                        raise RuntimeError("apply %s: %s %s" % (o["metadata"]["name"], st, body))
            elif s[0] == "assert":
                objs = s[1]
                if len(objs) > 1 and len({(o["apiVersion"], o["kind"]) for o in objs}) == 1:
                    st, lst = k.request("GET", coll(ns, objs[0]))  # one LIST checks them all
                    items = {i["metadata"]["name"]: i for i in lst.get("items", [])}
                    todo = [o for o in objs if not holds(check(o), items.get(o["metadata"]["name"]))]
                    rv = lst["metadata"]["resourceVersion"]
                else:
                    todo, rv = objs, None
                for o in todo:
                    c = check(o)
                    wait_for(k, ns, o, lambda typ, obj, c=c: typ != "DELETED" and holds(c, obj), rv)
            elif s[0] == "patch":
                o = s[1]
                st, body = k.request("PATCH", coll(ns, o) + "/" + o["metadata"]["name"], json.dumps(s[2]), "application/merge-patch+json")
                if st != 200:
                    raise RuntimeError("patch: %s %s" % (st, body))
            elif s[0] == "delete":
                o = s[1]
                st, body = k.request("DELETE", coll(ns, o) + "/" + o["metadata"]["name"])
                if st not in (200, 202):
                    raise RuntimeError("delete: %s %s" % (st, body))
                if body.get("kind") != "Status":  # still there (graceful deletion): watch until DELETED
                    wait_for(k, ns, o, lambda typ, obj: typ == "DELETED", body["metadata"]["resourceVersion"])
            elif s[0] == "mark":
                with open(os.path.join(os.environ.get("BENCH_MARKS", "/tmp"), "a-running.txt"), "a") as f:
                    f.write("%.9f\n" % time.time())
    finally:
        # off the critical path: the thread (the parallel slot) is free at once
        cleanups.append(CLEANUP_POOL[0].submit(cleanup, k, ns, steps))


def cleanup(k, ns, steps):
    # the fastest cleanup we found: delete what the scenario created and the namespace at
    # once, then wait for the namespace only (the namespace controller starts ~5 s after the
    # namespace's DELETE; pods terminating meanwhile no longer hold it up: 7 s instead of 10 s
    # with one nginx pod, vs deleting the namespace alone)
    for s in steps:
        if s[0] == "apply":
            for o in s[1]:
                if o["kind"] == "Pod":  # only pods take time to go; the rest goes with the namespace
                    k.request("DELETE", coll(ns, o) + "/" + o["metadata"]["name"])
    st, body = k.request("DELETE", "/api/v1/namespaces/" + ns)
    if st in (200, 202) and body.get("kind") == "Namespace":
        nso = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}}
        path = "/api/v1/namespaces?fieldSelector=metadata.name%3D" + ns + "&resourceVersion=" + body["metadata"]["resourceVersion"]
        for typ, _obj, _t in k.watch(path, TIMEOUT):
            if typ == "DELETED":
                break
        del nso


def main():
    kubeconfig, parallel, groups = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
    k = Kube(kubeconfig, "kdrill-bench-floor")
    todo = [(n, s) for n, g, s in SCENARIOS + GENERATED if g in groups]
    failed = 0
    cleanups = []
    # as many cleanups at once as there are scenarios: none waits for a thread
    with ThreadPoolExecutor(max(1, len(todo))) as pool:
        CLEANUP_POOL[0] = pool
        with ThreadPoolExecutor(parallel) as ex:
            futs = [(n, ex.submit(run_scenario, k, n, s, cleanups)) for n, s in todo]
            for n, f in futs:
                try:
                    f.result()
                    print("ok   %s" % n)
                except Exception as e:  # noqa: BLE001
                    failed += 1
                    print("FAIL %s: %s" % (n, e))
        for c in cleanups:
            try:
                c.result()
            except Exception as e:  # noqa: BLE001
                failed += 1
                print("FAIL cleanup: %s" % e)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
