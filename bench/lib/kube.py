"""A minimal Kubernetes API client on the Python standard library (no PyYAML, no kubernetes
package): enough for the benchmark's watcher and floor. Reads the kubeconfig through
`kubectl config view --raw --minify -o json` (kubeconfigs are YAML)."""
import base64
import http.client
import json
import os
import ssl
import subprocess
import tempfile
import threading
import urllib.parse

_local = threading.local()


class Kube:
    def __init__(self, kubeconfig, user_agent):
        raw = subprocess.run(["kubectl", "--kubeconfig", kubeconfig, "config", "view", "--raw", "--minify", "-o", "json"],
                             check=True, capture_output=True, text=True).stdout
        cfg = json.loads(raw)
        cluster = cfg["clusters"][0]["cluster"]
        user = cfg["users"][0]["user"]
        self.dir = tempfile.mkdtemp(prefix="kdrill-bench-kube-")
        u = urllib.parse.urlparse(cluster["server"])
        self.host, self.port = u.hostname, u.port or 443
        self.ctx = ssl.create_default_context()

        def material(data_key, file_key, name):
            if data_key in user or data_key in cluster:
                src = user if data_key in user else cluster
                path = os.path.join(self.dir, name)
                with open(path, "wb") as f:
                    f.write(base64.b64decode(src[data_key]))
                os.chmod(path, 0o600)
                return path
            return (user.get(file_key) or cluster.get(file_key))

        ca = material("certificate-authority-data", "certificate-authority", "ca.crt")
        if ca:
            self.ctx.load_verify_locations(ca)
        cert = material("client-certificate-data", "client-certificate", "client.crt")
        key = material("client-key-data", "client-key", "client.key")
        if cert:
            self.ctx.load_cert_chain(cert, key)
        self.token = user.get("token")
        self.user_agent = user_agent

    def _conn(self, timeout=70):
        return http.client.HTTPSConnection(self.host, self.port, context=self.ctx, timeout=timeout)

    def _headers(self, content_type=None):
        h = {"User-Agent": self.user_agent, "Accept": "application/json"}
        if self.token:
            h["Authorization"] = "Bearer " + self.token
        if content_type:
            h["Content-Type"] = content_type
        return h

    def request(self, method, path, body=None, content_type="application/json"):
        """One request on this thread's keep-alive connection: (status, parsed JSON body)."""
        data = None if body is None else (body if isinstance(body, (bytes, str)) else json.dumps(body))
        for attempt in range(2):
            conn = getattr(_local, "conn", None)
            if conn is None:
                conn = _local.conn = self._conn()
            try:
                conn.request(method, path, body=data, headers=self._headers(content_type if data is not None else None))
                resp = conn.getresponse()
                raw = resp.read()
                return resp.status, (json.loads(raw) if raw else None)
            except (http.client.HTTPException, OSError):
                conn.close()
                _local.conn = None
                if attempt:
                    raise

    def watch(self, path, timeout_seconds=60):
        """Yields (event type, object, client receive time) of a watch (one request)."""
        import time
        sep = "&" if "?" in path else "?"
        conn = self._conn(timeout=timeout_seconds + 10)
        try:
            conn.request("GET", path + sep + "watch=1&timeoutSeconds=%d" % timeout_seconds, headers=self._headers())
            resp = conn.getresponse()
            if resp.status != 200:
                raise RuntimeError("watch %s: HTTP %d %s" % (path, resp.status, resp.read()[:300]))
            while True:
                line = resp.readline()
                if not line:
                    return
                t = time.time()
                ev = json.loads(line)
                yield ev["type"], ev["object"], t
        finally:
            conn.close()
