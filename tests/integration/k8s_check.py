#!/usr/bin/python3
"""k8s_check.py -- deploy/k8s checked without a cluster (issue 7).

    tests/integration/k8s_check.py [DEPLOY_DIR]

DEPLOY_DIR (default: the deploy/ of this source tree) holds k8s/ and what
the manifests must agree with: docker-compose.yml, Dockerfile, topics.sh
and redis.conf.  Loads every manifest with PyYAML and checks what matters
structurally: names, namespaces and API versions; selectors, images,
resources, probes and security contexts of the workloads; every reference
to a ConfigMap, Secret, volume or port; the matchers against the
partitions; Kafka and Redis against the compose file.  One line a check,
"ok: ..." or "FAIL: FILE: Kind/name: ..."; exit status 1 when any failed,
2 when the files cannot be read at all.  tests/integration/deploy.sh
(it_deploy) runs it.
"""
import difflib
import os
import re
import sys
import traceback

import yaml

NAMESPACE = "canbao"
API = {
    "Namespace": "v1",
    "ConfigMap": "v1",
    "Secret": "v1",
    "Service": "v1",
    "Deployment": "apps/v1",
    "StatefulSet": "apps/v1",
    "Job": "batch/v1",
    "PodDisruptionBudget": "policy/v1",
}
WORKLOADS = ("Deployment", "StatefulSet", "Job")
CANBAO_IMAGE = "canbao"   # deploy/Dockerfile's image, docker-compose.yml's name

checks = 0
failures = []


def check(ok, what, where=None, detail=""):
    """Counts a check and prints its line; `where` is "FILE: Kind/name",
    `detail` is said only when the check fails."""
    global checks
    checks += 1
    line = "%s%s" % (where + ": " if where else "", what)
    if ok:
        print("[k8s] ok: " + line)
    else:
        line += " -- " + detail if detail else ""
        failures.append(line)
        print("[k8s] FAIL: " + line)
    return bool(ok)


def die(msg):
    print("[k8s] FAIL: " + msg)
    sys.exit(2)


# ------------------------------------------------------------- helpers

def where(obj):
    md = obj.get("metadata") or {}
    return "%s: %s/%s" % (obj["_file"], obj.get("kind", "?"),
                          md.get("name", "?"))


def quantity(q, cpu):
    """A resource quantity as a number (cores or bytes), None if bad."""
    s = str(q)
    units = {"m": 1e-3, "": 1, "k": 1e3, "M": 1e6, "G": 1e9, "T": 1e12,
             "Ki": 2 ** 10, "Mi": 2 ** 20, "Gi": 2 ** 30, "Ti": 2 ** 40}
    m = re.fullmatch(r"([0-9]+(?:\.[0-9]+)?)(m|k|M|G|T|Ki|Mi|Gi|Ti)?", s)
    if not m or (cpu and (m.group(2) or "") not in ("", "m")):
        return None
    return float(m.group(1)) * units[m.group(2) or ""]


def pod_spec(obj):
    return (((obj.get("spec") or {}).get("template") or {}).get("spec")) or {}


def template_labels(obj):
    t = (obj.get("spec") or {}).get("template") or {}
    return (t.get("metadata") or {}).get("labels") or {}


def all_containers(spec):
    return [(c, False) for c in spec.get("containers") or []] + \
           [(c, True) for c in spec.get("initContainers") or []]


def env_of(container):
    return {e.get("name"): e for e in container.get("env") or []}


def image_name(image):
    """'registry/canbao:tag' -> 'canbao'."""
    return image.rsplit("/", 1)[-1].split("@")[0].split(":")[0]


def selects(selector, labels):
    return bool(selector) and all(labels.get(k) == v
                                  for k, v in selector.items())


def port_in(port, container_ports):
    """A probe's or Service's port (number or name) among declared ones."""
    for p in container_ports:
        if port == p.get("name") or port == p.get("containerPort"):
            return p.get("containerPort")
    return None


def first_diff(copy, original):
    """Where a copy of a file first differs from it, for a message."""
    if copy is None:
        return "no copy found"
    d = [l for l in difflib.unified_diff(original.splitlines(),
                                         copy.splitlines(), "original",
                                         "copy", n=0, lineterm="")
         if l[:1] in "+-" and l[:3] not in ("+++", "---")]
    return "the copy differs: %s" % "; ".join(d[:4])


def sh_default(script, var):
    m = re.search(r"^%s=\$\{%s:-([^}]*)\}" % (var, var), script, re.M)
    return m.group(1) if m else None


# ---------------------------------------------------------------- load

def load(deploy):
    k8s = os.path.join(deploy, "k8s")
    if not os.path.isdir(k8s):
        die("no directory %s" % k8s)
    kpath = os.path.join(k8s, "kustomization.yaml")
    try:
        kust = yaml.safe_load(open(kpath))
    except (OSError, yaml.YAMLError) as e:
        die("kustomization.yaml: %s" % e)
    files = sorted(f for f in os.listdir(k8s)
                   if f.endswith((".yaml", ".yml")) and
                   f != "kustomization.yaml")
    listed = (kust or {}).get("resources") or []
    check(kust and kust.get("apiVersion") ==
          "kustomize.config.k8s.io/v1beta1" and
          kust.get("kind") == "Kustomization",
          "kustomization.yaml: a kustomize.config.k8s.io/v1beta1 "
          "Kustomization")
    check(sorted(listed) == files and len(set(listed)) == len(listed),
          "kustomization.yaml: resources list exactly the files of "
          "deploy/k8s", detail="listed %s, present %s" %
          (sorted(listed), files))
    objs = []
    for f in files:
        try:
            docs = list(yaml.safe_load_all(open(os.path.join(k8s, f))))
        except (OSError, yaml.YAMLError) as e:
            check(False, "%s: not YAML: %s" % (f, e))
            continue
        docs = [d for d in docs if d is not None]
        check(docs and all(isinstance(d, dict) for d in docs),
              "%s: %d object(s), each a mapping" % (f, len(docs)))
        for d in docs:
            if isinstance(d, dict):
                d["_file"] = f
                objs.append(d)
    return objs


# -------------------------------------------------------------- checks

def check_identity(objs):
    seen = set()
    for o in objs:
        w = where(o)
        md = o.get("metadata") or {}
        kind = o.get("kind")
        check(o.get("apiVersion") and kind and md.get("name"),
              "apiVersion, kind and metadata.name", w)
        check(kind in API and o.get("apiVersion") == API[kind],
              "a known kind with its apiVersion", w,
              "%s %s; want %s" % (o.get("apiVersion"), kind,
                                  API.get(kind, "a kind of " +
                                          ", ".join(API))))
        if kind == "Namespace":
            check(md.get("name") == NAMESPACE and "namespace" not in md,
                  "the namespace %s (cluster-scoped)" % NAMESPACE, w)
        else:
            check(md.get("namespace") == NAMESPACE,
                  "in namespace %s" % NAMESPACE, w,
                  "has %r" % md.get("namespace"))
        key = (kind, md.get("name"))
        check(key not in seen, "no other %s of that name" % kind, w)
        seen.add(key)
    check(any(o.get("kind") == "Namespace" for o in objs),
          "a Namespace object %s" % NAMESPACE)


def check_workload(o, dockerfile_uid):
    w = where(o)
    spec = o.get("spec") or {}
    labels = template_labels(o)
    pspec = pod_spec(o)
    if o["kind"] != "Job":
        sel = (spec.get("selector") or {}).get("matchLabels") or {}
        check(selects(sel, labels),
              "selector matches the pod template's labels", w,
              "selector %s, labels %s" % (sel, labels))
    else:
        check(pspec.get("restartPolicy") in ("Never", "OnFailure"),
              "restartPolicy Never or OnFailure", w)
    check(pspec.get("containers"), "has containers", w)
    psc = pspec.get("securityContext") or {}
    vols = {v.get("name") for v in pspec.get("volumes") or []}
    vols |= {(t.get("metadata") or {}).get("name")
             for t in spec.get("volumeClaimTemplates") or []}
    for c, init in all_containers(pspec):
        cw = "%s container %s" % (w, c.get("name"))
        image = c.get("image") or ""
        check(re.fullmatch(r"[a-z0-9./_-]+:[A-Za-z0-9._-]+", image),
              "image with a tag (%r)" % image, cw)
        res = c.get("resources") or {}
        req, lim = res.get("requests") or {}, res.get("limits") or {}
        ok = True
        for r in ("cpu", "memory"):
            rq = quantity(req.get(r), r == "cpu")
            li = quantity(lim.get(r), r == "cpu")
            ok = ok and rq is not None and li is not None and rq <= li
        check(ok, "resources.requests and limits of cpu and memory, "
              "requests <= limits", cw, "requests %s, limits %s" %
              (req, lim))
        sc = c.get("securityContext") or {}
        uid = sc.get("runAsUser", psc.get("runAsUser"))
        nonroot = sc.get("runAsNonRoot", psc.get("runAsNonRoot"))
        check(nonroot is True and isinstance(uid, int) and uid > 0,
              "runAsNonRoot with a numeric user (uid %r)" % uid, cw)
        check(sc.get("allowPrivilegeEscalation") is False and
              not sc.get("privileged"),
              "no privilege escalation", cw)
        if image_name(image) == CANBAO_IMAGE:
            check(uid == dockerfile_uid and
                  sc.get("readOnlyRootFilesystem") is True,
                  "canbao image: uid %s of deploy/Dockerfile, read-only "
                  "root filesystem" % dockerfile_uid, cw)
        for m in c.get("volumeMounts") or []:
            check(m.get("name") in vols,
                  "volumeMount %s names a volume of the pod" % m.get("name"),
                  cw)
        for probe in ("livenessProbe", "readinessProbe", "startupProbe"):
            p = c.get(probe) or {}
            port = (p.get("httpGet") or p.get("tcpSocket") or {}).get("port")
            if port is not None:
                check(port_in(port, c.get("ports") or []),
                      "%s port %s is a declared containerPort" %
                      (probe, port), cw)


def check_refs(objs):
    cms = {o["metadata"]["name"]: set(o.get("data") or {}) |
           set(o.get("binaryData") or {})
           for o in objs if o.get("kind") == "ConfigMap"}
    secrets = {o["metadata"]["name"]: set(o.get("data") or {}) |
               set(o.get("stringData") or {})
               for o in objs if o.get("kind") == "Secret"}
    kinds = {"configMap": ("ConfigMap", cms), "secret": ("Secret", secrets)}

    def ref(w, kind, name, key, table):
        if key is None:
            check(name in table, "refers to %s %s, which exists" %
                  (kind, name), w, "no %s %s in deploy/k8s" % (kind, name))
        else:
            check(name in table and key in table[name],
                  "refers to %s %s key %s, which exists" %
                  (kind, name, key), w,
                  "%s %s has only the keys %s" %
                  (kind, name, sorted(table[name])) if name in table else
                  "no %s %s in deploy/k8s" % (kind, name))

    for o in objs:
        if o.get("kind") not in WORKLOADS:
            continue
        pspec = pod_spec(o)
        for c, _ in all_containers(pspec):
            cw = "%s container %s" % (where(o), c.get("name"))
            for e in c.get("env") or []:
                vf = e.get("valueFrom") or {}
                if "secretKeyRef" in vf:
                    r = vf["secretKeyRef"]
                    ref(cw, "Secret", r.get("name"), r.get("key"), secrets)
                if "configMapKeyRef" in vf:
                    r = vf["configMapKeyRef"]
                    ref(cw, "ConfigMap", r.get("name"), r.get("key"), cms)
            for ef in c.get("envFrom") or []:
                if "secretRef" in ef:
                    ref(cw, "Secret", ef["secretRef"].get("name"), None,
                        secrets)
                if "configMapRef" in ef:
                    ref(cw, "ConfigMap", ef["configMapRef"].get("name"),
                        None, cms)
        for v in pspec.get("volumes") or []:
            vw = "%s volume %s" % (where(o), v.get("name"))
            for field, (kind, table) in kinds.items():
                if field not in v:
                    continue
                name = v[field].get("name" if field == "configMap"
                                    else "secretName")
                ref(vw, kind, name, None, table)
                for it in v[field].get("items") or []:
                    ref(vw, kind, name, it.get("key"), table)


def check_services(objs):
    pods = [o for o in objs if o.get("kind") in WORKLOADS]
    for s in objs:
        if s.get("kind") != "Service":
            continue
        w = where(s)
        sel = (s.get("spec") or {}).get("selector") or {}
        matched = [o for o in pods if selects(sel, template_labels(o))]
        check(matched, "selector matches the pods of %s" %
              (", ".join(where(o) for o in matched) or "a workload"), w,
              "no pod template has the labels %s" % sel)
        for p in (s.get("spec") or {}).get("ports") or []:
            target = p.get("targetPort", p.get("port"))
            ok = matched and all(
                any(port_in(target, c.get("ports") or [])
                    for c in pod_spec(o).get("containers") or [])
                for o in matched)
            check(ok, "port %s: targetPort %s is a containerPort of the "
                  "pods it selects" % (p.get("port"), target), w)
    for p in objs:
        if p.get("kind") != "PodDisruptionBudget":
            continue
        sel = ((p.get("spec") or {}).get("selector") or {}) \
            .get("matchLabels") or {}
        check(any(selects(sel, template_labels(o)) for o in pods),
              "selector matches a workload's pods", where(p),
              "no pod template has the labels %s" % sel)
    for o in objs:
        if o.get("kind") != "StatefulSet":
            continue
        name = (o.get("spec") or {}).get("serviceName")
        check(any(s.get("kind") == "Service" and
                  s["metadata"]["name"] == name for s in objs),
              "serviceName %s is a Service" % name, where(o))


def find(objs, kind, pred):
    return [o for o in objs if o.get("kind") == kind and pred(o)]


def first_args(o):
    """The canbao subcommand of a workload's first container."""
    c = (pod_spec(o).get("containers") or [{}])[0]
    if image_name(c.get("image") or "") != CANBAO_IMAGE or c.get("command"):
        return None
    return (c.get("args") or [None])[0]


def one(items, what, w=None):
    check(len(items) == 1, "exactly one %s (found %d)" % (what, len(items)),
          w)
    return items[0] if len(items) == 1 else None


def opt_value(args, name):
    return args[args.index(name) + 1] \
        if name in args and args.index(name) + 1 < len(args) else None


def listen_arg(c, name, w):
    """The HOST:PORT after option name in container c's args, checked to
    listen on every address; the port, or None."""
    addr = opt_value(c.get("args") or [], name) or ""
    port = int(addr.rsplit(":", 1)[1]) if re.fullmatch(
        r"[0-9.]+:\d+", addr) else None
    check(addr.startswith("0.0.0.0:") and port,
          "%s 0.0.0.0:PORT (%r)" % (name, addr), w)
    return port


def http_probe(c, probe):
    return (c.get(probe) or {}).get("httpGet") or {}


def check_canbao_env(o, c, brokers_ref, cms):
    cw = "%s container %s" % (where(o), c.get("name"))
    env = env_of(c)
    b = (env.get("CANBAO_BROKERS") or {}).get("valueFrom") or {}
    r = (env.get("CANBAO_REDIS") or {}).get("valueFrom") or {}
    check(b.get("configMapKeyRef") == brokers_ref or
          (env.get("CANBAO_BROKERS") or {}).get("value"),
          "CANBAO_BROKERS set", cw)
    check("secretKeyRef" in r,
          "CANBAO_REDIS from a Secret (it holds the password)", cw)
    k = (env.get("CANBAO_ID_KEY") or {}).get("valueFrom") or {}
    words = " ".join((c.get("command") or []) + (c.get("args") or []))
    if c.get("args", [""])[0] in ("match", "web") or "canbao gen" in words:
        check("secretKeyRef" in k,
              "CANBAO_ID_KEY from a Secret (it keys lead and alert ids)", cw)
    conf = (env.get("CANBAO_CONFIG") or {}).get("value") or ""
    mounts = {m.get("mountPath"): m.get("name")
              for m in c.get("volumeMounts") or []}
    vols = {v.get("name"): v for v in pod_spec(o).get("volumes") or []}
    vol = vols.get(mounts.get(os.path.dirname(conf))) or {}
    items = {i.get("path"): i.get("key")
             for i in (vol.get("configMap") or {}).get("items") or []}
    cm = (vol.get("configMap") or {}).get("name")
    key = items.get(os.path.basename(conf)) if items else \
        os.path.basename(conf)
    check(conf and cm in cms and key == "canbao.conf",
          "CANBAO_CONFIG %r is canbao.conf of a mounted ConfigMap" % conf,
          cw)


def check_stack(objs, deploy):
    """The stack against docker-compose.yml, topics.sh and redis.conf."""
    compose = yaml.safe_load(open(os.path.join(deploy,
                                               "docker-compose.yml")))
    svc = compose["services"]
    topics_sh = open(os.path.join(deploy, "topics.sh")).read()
    redis_conf = open(os.path.join(deploy, "redis.conf")).read()
    cms = {o["metadata"]["name"]: o for o in objs
           if o.get("kind") == "ConfigMap"}
    secrets = {o["metadata"]["name"]: o for o in objs
               if o.get("kind") == "Secret"}
    services = {o["metadata"]["name"]: o for o in objs
                if o.get("kind") == "Service"}

    def cm_value(ref):
        return ((cms.get((ref or {}).get("name")) or {}).get("data")
                or {}).get((ref or {}).get("key"))

    def secret_value(ref):
        s = secrets.get((ref or {}).get("name")) or {}
        return (s.get("stringData") or {}).get((ref or {}).get("key"))

    # ---------------------------------------------------------- Kafka
    kafka_image = svc["kafka-1"]["image"]
    kafka = one(find(objs, "StatefulSet", lambda o: any(
        c.get("image") == kafka_image
        for c in pod_spec(o).get("containers") or [])),
        "Kafka StatefulSet (image %s, as in compose)" % kafka_image)
    brokers = None
    if kafka:
        w = where(kafka)
        spec = kafka["spec"]
        name, sname = kafka["metadata"]["name"], spec.get("serviceName")
        n = spec.get("replicas")
        check(n == 3, "three brokers (replicas %r)" % n, w)
        c = pod_spec(kafka)["containers"][0]
        env = {k: e.get("value") for k, e in env_of(c).items()}
        want = svc["kafka-1"]["environment"]
        same = ("KAFKA_PROCESS_ROLES", "KAFKA_LISTENERS",
                "KAFKA_LISTENER_SECURITY_PROTOCOL_MAP",
                "KAFKA_CONTROLLER_LISTENER_NAMES",
                "KAFKA_INTER_BROKER_LISTENER_NAME",
                "KAFKA_DEFAULT_REPLICATION_FACTOR",
                "KAFKA_MIN_INSYNC_REPLICAS",
                "KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR",
                "KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR",
                "KAFKA_TRANSACTION_STATE_LOG_MIN_ISR",
                "KAFKA_AUTO_CREATE_TOPICS_ENABLE")
        diff = ["%s=%r (compose %r)" % (k, env.get(k), want.get(k))
                for k in same if env.get(k) != str(want.get(k))]
        check(not diff, "the brokers' settings are compose's", w,
              ", ".join(diff))
        check(env.get("KAFKA_DEFAULT_REPLICATION_FACTOR") == "3" and
              env.get("KAFKA_MIN_INSYNC_REPLICAS") == "2" and
              env.get("KAFKA_PROCESS_ROLES") == "broker,controller",
              "KRaft, replication factor 3, min.insync.replicas 2", w)
        check(re.fullmatch(r"[A-Za-z0-9_-]{22}", env.get("CLUSTER_ID") or ""),
              "a CLUSTER_ID (16 bytes in base64)", w)
        voters = sorted(re.findall(r"(\d+)@([^:,]+):9093",
                                   env.get("KAFKA_CONTROLLER_QUORUM_VOTERS")
                                   or ""))
        check(isinstance(n, int) and voters == sorted(
            (str(i), "%s-%d.%s" % (name, i, sname)) for i in range(n)),
            "the quorum is the %r pods, node N at %s-N.%s:9093" %
            (n, name, sname), w, "voters %s" % voters)
        script = " ".join((c.get("command") or []) + (c.get("args") or []))
        check("KAFKA_NODE_ID=${HOSTNAME##*-}" in script,
              "node.id is the pod's ordinal", w)
        check(env.get("KAFKA_ADVERTISED_LISTENERS") ==
              "PLAINTEXT://$(POD_NAME).%s:9092" % sname and
              (env_of(c)["POD_NAME"].get("valueFrom") or {})
              .get("fieldRef", {}).get("fieldPath") == "metadata.name",
              "each broker advertises its pod's name", w)
        check(spec.get("podManagementPolicy") == "Parallel",
              "podManagementPolicy Parallel (the quorum needs them all "
              "started)", w)
        check(pod_spec(kafka).get("enableServiceLinks") is False,
              "enableServiceLinks false (the image reads every KAFKA_ "
              "variable as a setting)", w)
        hs = services.get(sname) or {}
        check(hs.get("spec", {}).get("clusterIP") == "None" and
              hs.get("spec", {}).get("publishNotReadyAddresses") is True,
              "Service %s is headless and publishes pods not yet ready" %
              sname, w)
        claims = {t["metadata"]["name"] for t in
                  spec.get("volumeClaimTemplates") or []}
        logs = env.get("KAFKA_LOG_DIRS") or ""
        check(any(m.get("name") in claims and
                  (logs + "/").startswith(m.get("mountPath").rstrip("/") +
                                          "/")
                  for m in c.get("volumeMounts") or []),
              "the log dirs (%s) on a volumeClaimTemplate" % logs, w)
        check(find(objs, "PodDisruptionBudget", lambda p: selects(
            (p["spec"].get("selector") or {}).get("matchLabels"),
            template_labels(kafka)) and p["spec"].get("maxUnavailable") == 1),
            "a PodDisruptionBudget lets one broker go at a time", w)
        brokers = ",".join("%s-%d.%s:9092" % (name, i, sname)
                           for i in range(n if isinstance(n, int) else 0))

    conf = cms.get("canbao-config") or {"_file": "?", "kind": "ConfigMap",
                                        "metadata": {"name": "canbao-config"}}
    data = conf.get("data") or {}
    check(brokers and data.get("brokers") == brokers,
          "brokers are the Kafka StatefulSet's pods", where(conf),
          "brokers %r, want %r" % (data.get("brokers"), brokers))

    # ---------------------------------------------------------- Redis
    redis_image = svc["redis"]["image"]
    redis = one(find(objs, "StatefulSet", lambda o: any(
        c.get("image") == redis_image
        for c in pod_spec(o).get("containers") or [])),
        "Redis StatefulSet (image %s, as in compose)" % redis_image)
    if redis:
        w = where(redis)
        c = pod_spec(redis)["containers"][0]
        args = (c.get("command") or []) + (c.get("args") or [])
        mounts = {m.get("mountPath"): m.get("name")
                  for m in c.get("volumeMounts") or []}
        vols = {v.get("name"): v for v in pod_spec(redis).get("volumes")
                or []}
        confs = [a for a in args if a.endswith(".conf")]
        cmref = None
        if len(confs) == 1:
            vol = vols.get(mounts.get(os.path.dirname(confs[0]))) or {}
            cmref = {"name": (vol.get("configMap") or {}).get("name"),
                     "key": os.path.basename(confs[0])}
        check(cm_value(cmref) == redis_conf,
              "redis-server reads a ConfigMap's copy of deploy/redis.conf, "
              "equal to it", w, "reads %s (%s): %s" %
              (confs, cmref, first_diff(cm_value(cmref), redis_conf)))
        check(re.search(r"^appendonly yes", redis_conf, re.M) and
              re.search(r"^maxmemory-policy noeviction", redis_conf, re.M),
              "deploy/redis.conf: appendonly yes, noeviction", w)
        pw = opt_value(args, "--requirepass") or ""
        m = re.fullmatch(r"\$\((\w+)\)", pw)
        pref = ((env_of(c).get(m.group(1)) or {}).get("valueFrom") or {}) \
            .get("secretKeyRef") if m else None
        check(pref, "--requirepass $(VAR), VAR from a Secret", w)
        claims = {t["metadata"]["name"] for t in
                  redis["spec"].get("volumeClaimTemplates") or []}
        check(mounts.get("/data") in claims,
              "/data (the AOF) on a volumeClaimTemplate", w)
        check(redis["spec"].get("replicas") == 1,
              "one Redis (the matchers' one source of truth)", w)
        rs = services.get("redis")
        url = secret_value({"name": (pref or {}).get("name"),
                            "key": "redis-url"}) or ""
        um = re.fullmatch(r"redis://(?:[^:@/]*):([^@]*)@([^:/]+):(\d+)(/\d+)?",
                          url)
        check(um and um.group(1) == secret_value(pref) and rs and
              um.group(2) == "redis" and
              int(um.group(3)) in [p.get("port") for p in
                                   rs["spec"].get("ports") or []],
              "the Secret's redis-url uses its redis-password and the "
              "Service redis", where(secrets.get((pref or {}).get("name"),
                                                 redis)))

    for s in secrets.values():
        vals = list((s.get("stringData") or {}).values())
        check(s.get("stringData") and "data" not in s and
              all(str(v).count("change-me") for v in vals),
              "every value a change-me placeholder (real ones come from "
              "`kubectl create secret`)", where(s))

    # ------------------------------------------------------ topics Job
    partitions = int(sh_default(topics_sh, "PARTITIONS") or 0)
    tjob = one(find(objs, "Job", lambda o: any(
        "topics.sh" in " ".join((c.get("command") or []) +
                                (c.get("args") or []))
        for c in pod_spec(o).get("containers") or [])),
        "Job running topics.sh")
    if tjob:
        w = where(tjob)
        c = pod_spec(tjob)["containers"][0]
        env = env_of(c)
        if "PARTITIONS" in env:
            partitions = int(env["PARTITIONS"].get("value") or 0)
        script = [a for a in (c.get("command") or []) + (c.get("args") or [])
                  if a.endswith("topics.sh")]
        mounts = {m.get("mountPath"): m.get("name")
                  for m in c.get("volumeMounts") or []}
        vols = {v.get("name"): v for v in pod_spec(tjob).get("volumes") or []}
        ref = None
        if len(script) == 1:
            vol = vols.get(mounts.get(os.path.dirname(script[0]))) or {}
            items = {i.get("path"): i.get("key") for i in
                     (vol.get("configMap") or {}).get("items") or []}
            ref = {"name": (vol.get("configMap") or {}).get("name"),
                   "key": items.get(os.path.basename(script[0]),
                                    os.path.basename(script[0]))}
        check(cm_value(ref) == topics_sh,
              "runs a ConfigMap's copy of deploy/topics.sh, equal to it", w,
              "runs %s (%s): %s" % (script, ref,
                                    first_diff(cm_value(ref), topics_sh)))
        check(c.get("image") == svc["topics"]["image"],
              "the Kafka image's tools (%s)" % svc["topics"]["image"], w)
        b = env.get("BOOTSTRAP") or {}
        check(b.get("value") == brokers or
              cm_value((b.get("valueFrom") or {}).get("configMapKeyRef"))
              == brokers, "BOOTSTRAP is the three brokers", w)
    check(partitions > 0, "partitions of every topic: %d (topics.sh)" %
          partitions)
    cm_parts = re.search(r"^\s*partitions\s*=\s*(\d+)\s*$",
                         data.get("canbao.conf") or "", re.M)
    check(cm_parts and int(cm_parts.group(1)) == partitions,
          "canbao.conf: partitions = %d, as topics.sh makes them" %
          partitions, where(conf))
    bad = [l for l in (data.get("canbao.conf") or "").splitlines()
           if l.strip() and not l.lstrip().startswith("#") and
           not re.fullmatch(r"\s*[a-z_.]+\s*=\s*\S.*", l)]
    check("canbao.conf" in data and not bad,
          "canbao.conf: key = value lines and comments only%s" %
          (" (not: %r)" % bad if bad else ""), where(conf))
    check(not re.search(r"password|secret|redis://\S*@",
                        re.sub(r"(?m)^\s*#.*$", "",
                               data.get("canbao.conf") or ""), re.I),
          "canbao.conf: no secret in a ConfigMap", where(conf))

    # ------------------------------------------------- canbao workloads
    brokers_ref = {"name": "canbao-config", "key": "brokers"}
    canbao = [o for o in objs if o.get("kind") in WORKLOADS and any(
        image_name(c.get("image") or "") == CANBAO_IMAGE
        for c in pod_spec(o).get("containers") or [])]
    for o in canbao:
        for c in pod_spec(o)["containers"]:
            check_canbao_env(o, c, brokers_ref, cms)

    matcher = one(find(objs, "Deployment",
                       lambda o: first_args(o) == "match"),
                  "Deployment running `canbao match`")
    if matcher:
        w = where(matcher)
        spec = matcher["spec"]
        c = pod_spec(matcher)["containers"][0]
        n = spec.get("replicas", 1)
        strategy = spec.get("strategy") or {}
        surge = (strategy.get("rollingUpdate") or {}).get("maxSurge", "25%")
        if strategy.get("type") == "Recreate":
            surge = 0
        elif isinstance(surge, str) and re.fullmatch(r"\d+%", surge) and \
                isinstance(n, int):
            surge = -(-n * int(surge[:-1]) // 100)   # rounded up
        check(isinstance(n, int) and n <= partitions,
              "replicas %r <= %d partitions (deploy/topics.sh)" %
              (n, partitions), w)
        check(isinstance(surge, int) and n + surge <= partitions,
              "replicas + maxSurge (%r + %r) <= %d partitions: a surge pod "
              "without partitions never becomes ready" %
              (n, surge, partitions), w)
        mport = listen_arg(c, "--metrics", w)
        ports = c.get("ports") or []
        check(mport and port_in(mport, ports) == mport,
              "containerPort %s declared" % mport, w)
        lp, rp = http_probe(c, "livenessProbe"), http_probe(c,
                                                            "readinessProbe")
        check(lp.get("path") == "/healthz" and
              port_in(lp.get("port"), ports) == mport,
              "livenessProbe GET /healthz on %s" % mport, w)
        check(rp.get("path") == "/readyz" and
              port_in(rp.get("port"), ports) == mport,
              "readinessProbe GET /readyz on %s" % mport, w)
        ann = ((spec.get("template") or {}).get("metadata") or {}) \
            .get("annotations") or {}
        check(ann.get("prometheus.io/scrape") == "true" and
              ann.get("prometheus.io/port") == str(mport),
              "prometheus.io/scrape and port annotations", w)
        req = (c.get("resources") or {}).get("requests") or {}
        check(quantity(req.get("cpu"), True) is not None and
              quantity(req.get("cpu"), True) >= 0.5 and
              quantity(req.get("memory"), False) is not None and
              quantity(req.get("memory"), False) >= 256 * 2 ** 20,
              "requests at least half a core and 256Mi", w,
              "requests %s" % req)
        check(find(objs, "PodDisruptionBudget", lambda p: selects(
            (p["spec"].get("selector") or {}).get("matchLabels"),
            template_labels(matcher))),
            "a PodDisruptionBudget for the matchers", w)

    web = one(find(objs, "Deployment", lambda o: first_args(o) == "web"),
              "Deployment running `canbao web`")
    if web:
        w = where(web)
        c = pod_spec(web)["containers"][0]
        wport = listen_arg(c, "--listen", w)
        ports = c.get("ports") or []
        for probe in ("livenessProbe", "readinessProbe"):
            p = http_probe(c, probe)
            check(p.get("path") == "/healthz" and
                  port_in(p.get("port"), ports) == wport,
                  "%s GET /healthz on %s" % (probe, wport), w)
        check(any(selects((s["spec"].get("selector") or {}),
                          template_labels(web)) for s in services.values()),
              "a Service in front of it", w)

    check(find(objs, "Job", lambda o: any(
        "canbao produce" in " ".join(c.get("args") or [])
        for c in pod_spec(o).get("containers") or [])),
        "a Job running the producers (compose's `producers`)")


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    deploy = sys.argv[1] if len(sys.argv) > 1 else \
        os.path.join(here, "..", "..", "deploy")
    for f in ("docker-compose.yml", "Dockerfile", "topics.sh", "redis.conf"):
        if not os.path.isfile(os.path.join(deploy, f)):
            die("no %s in %s" % (f, deploy))
    m = re.findall(r"^USER (\d+)", open(os.path.join(deploy, "Dockerfile"))
                   .read(), re.M)
    uid = int(m[-1]) if m else None
    objs = load(deploy)
    check_identity(objs)
    # what has no kind or name failed above; the rest is checked further
    objs = [o for o in objs if o.get("kind") and
            isinstance(o.get("metadata"), dict) and o["metadata"].get("name")]
    try:
        for o in objs:
            if o.get("kind") in WORKLOADS:
                check_workload(o, uid)
        check_refs(objs)
        check_services(objs)
        check_stack(objs, deploy)
    except (AttributeError, KeyError, TypeError, IndexError,
            ValueError) as e:
        # a manifest shaped unlike Kubernetes's objects
        line = traceback.extract_tb(e.__traceback__)[-1]
        check(False, "manifests readable as Kubernetes objects", None,
              "%s: %s (k8s_check.py line %d)" % (type(e).__name__, e,
                                                 line.lineno))
    if failures:
        print("[k8s] %d of %d checks FAILED:" % (len(failures), checks))
        for f in failures:
            print("[k8s]   " + f)
        sys.exit(1)
    print("[k8s] all %d checks passed" % checks)


if __name__ == "__main__":
    main()
