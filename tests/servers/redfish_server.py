#!/usr/bin/env python3
"""A Redfish test server over the DMTF mockups, for racktop's integration tests.

Serves the mockups in RACKTOP_SHARED_FIXTURES/redfish/<mockup>/ as they are
(read in place, never copied) and adds what static mockups lack: sessions,
ComputerSystem.Reset changing PowerState (and BootProgress), PATCH of the boot
override / IndicatorLED with ETag checks (If-Match, If-None-Match),
VirtualMedia.InsertMedia/EjectMedia, LogService.ClearLog, $expand on
collections, errors in Redfish's @Message.ExtendedInfo format, and faults on
demand (delays, 401s, 503s with Retry-After, dropped connections, malformed
bodies).  It records every request so tests can check what racktop sent.

Many simulated BMCs share one server, each under its own URL prefix:
    http://127.0.0.1:PORT/bmc/<name>/redfish/v1/...
Bodies are rewritten so every @odata.id carries the prefix.

With --ports, every BMC instead listens on a port of its own and is served
without a prefix (http://127.0.0.1:PORT_OF_BMC/redfish/v1/...), as a real BMC
is: what clients that cannot take a URL prefix (redfishtool) need.  The port
file then holds one "NAME PORT" line per BMC; --procs K spreads the BMCs over
K forked processes (the control interface then only sees its own process's
BMCs: for benchmarks, not for tests that inspect requests).

Usage:
    redfish_server.py --fixtures DIR --port-file F [--tls CERT KEY]
                      [--bmc NAME=MOCKUP ...] [--scale N:MOCKUP] [--latency-ms MS]
                      [--user admin --password secret] [--state-delay-ms 300]
                      [--ports [--procs K]] [--no-expand NAME ...]

--no-expand NAME: that BMC's service root advertises no $expand and it ignores
$expand, so clients must follow every member link (older BMCs do this).

Control interface (no auth, JSON):
    GET  /_control/requests          recorded requests [{bmc, method, path, auth, token,
                                     if_match, if_none_match, body, status}]
                                     (status: the reply's, null when dropped;
                                     conn: the client's address:port, one per connection)
    POST /_control/reset             forget recorded requests and faults
    POST /_control/fault             {"bmc": NAME|"*", "kind": delay|status|drop|malformed|dead,
                                      "ms": N, "status": N, "retry_after": S, "count": N,
                                      "path": SUBSTRING}
    GET  /_control/state/<bmc>       the mutable state of one BMC
Stdlib only.
"""
import argparse
import base64
import copy
import hashlib
import json
import os
import socket
import ssl
import sys
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ARGS = None
MOCKS = {}          # mockup name -> {path: parsed json}
LOCK = threading.Lock()
BMCS = {}           # name -> Bmc
RECORDS = []
TEXT_CACHE = {}     # (mockup, path) -> (body text, etag) of resources nobody changed
FAULTS = []


def load_mockup(root, name):
    base = os.path.join(root, name)
    tree = {}
    for dirpath, _dirs, files in os.walk(base):
        if "index.json" not in files:
            continue
        rel = os.path.relpath(dirpath, base)
        path = "/redfish/v1" if rel == "." else "/redfish/v1/" + rel.replace(os.sep, "/")
        with open(os.path.join(dirpath, "index.json"), encoding="utf-8") as f:
            tree[path] = json.load(f)
    return tree


class Bmc:
    def __init__(self, name, mockup, prefix=None):
        self.name = name
        self.mockup = mockup
        self.prefix = "/bmc/" + name if prefix is None else prefix
        self.over = {}          # path -> mutated copy
        self.sessions = {}      # token -> session id
        self.power = {}         # system path -> (state, target, ready_at, boot_from)

    def get(self, path):
        if path in self.over:
            return self.over[path]
        return MOCKS[self.mockup].get(path)

    def mut(self, path):
        if path not in self.over:
            src = MOCKS[self.mockup].get(path)
            if src is None:
                return None
            self.over[path] = copy.deepcopy(src)
        return self.over[path]


def ext_error(status, msg_id, message):
    return status, {"error": {"code": "Base.1.0." + msg_id, "message": message,
                              "@Message.ExtendedInfo": [{
                                  "@odata.type": "#Message.v1_1_1.Message",
                                  "MessageId": "Base.1.0." + msg_id, "Message": message,
                                  "Severity": "Critical", "Resolution": "None"}]}}


def etag_of(body):
    return 'W/"%s"' % hashlib.sha1(json.dumps(body, sort_keys=True).encode()).hexdigest()[:16]


def take_fault(bmc, path):
    with LOCK:
        for f in FAULTS:
            if f.get("bmc", "*") not in ("*", bmc):
                continue
            if f.get("path") and f["path"] not in path:
                continue
            if f.get("count", -1) == 0:
                continue
            if f.get("count", -1) > 0:
                f["count"] -= 1
            return dict(f)
    return None


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "RedfishTest/1.0"

    def log_message(self, fmt, *args):
        pass

    # ---- plumbing -------------------------------------------------------------------
    def send_json(self, status, body, headers=None, raw=None):
        rec = getattr(self, "record", None)
        if rec is not None:
            rec["status"] = status  # what the request was answered
            self.record = None
        data = raw if raw is not None else (json.dumps(body).encode() if body is not None else b"")
        self.send_response(status)
        if data or status not in (204, 304):
            self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("OData-Version", "4.0")
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD" and status != 304:
            self.wfile.write(data)

    def drop(self):
        self.record = None
        self.close_connection = True
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    def read_body(self):
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n > 0 else b""

    def do_GET(self):
        self.handle_any("GET")

    def do_POST(self):
        self.handle_any("POST")

    def do_PATCH(self):
        self.handle_any("PATCH")

    def do_DELETE(self):
        self.handle_any("DELETE")

    def do_PUT(self):
        self.handle_any("PUT")

    # ---- control --------------------------------------------------------------------
    def control(self, method, path, body):
        if path == "/_control/requests":
            with LOCK:
                return self.send_json(200, RECORDS)
        if path == "/_control/reset" and method == "POST":
            with LOCK:
                RECORDS.clear()
                FAULTS.clear()
            return self.send_json(200, {})
        if path == "/_control/fault" and method == "POST":
            f = json.loads(body or b"{}")
            with LOCK:
                FAULTS.append(f)
            return self.send_json(200, {})
        if path.startswith("/_control/state/"):
            b = BMCS.get(path[len("/_control/state/"):])
            if b is None:
                return self.send_json(404, {})
            for sp in list(b.power):
                self.system_view(b, sp)
            return self.send_json(200, {"over": b.over, "sessions": len(b.sessions)})
        return self.send_json(404, {})

    # ---- the Redfish service --------------------------------------------------------
    def handle_any(self, method):
        body = self.read_body()
        full = self.path
        path, _, query = full.partition("?")
        if path.startswith("/_control"):
            return self.control(method, path, body)
        own = getattr(self.server, "bmc", None)
        if own is not None:
            bmc = own
            rpath = path
        else:
            parts = path.split("/")
            if len(parts) < 3 or parts[1] != "bmc" or parts[2] not in BMCS:
                return self.send_json(*ext_error(404, "ResourceMissingAtURI", "no such BMC"))
            bmc = BMCS[parts[2]]
            rpath = "/" + "/".join(parts[3:])
        if rpath.endswith("/") and len(rpath) > 1:
            rpath = rpath[:-1]
        auth = self.headers.get("Authorization")
        token = self.headers.get("X-Auth-Token")
        self.record = {"bmc": bmc.name, "method": method, "path": rpath, "query": query,
                       "auth": "basic" if auth else None, "token": token,
                       "if_match": self.headers.get("If-Match"),
                       "if_none_match": self.headers.get("If-None-Match"),
                       "body": body.decode(errors="replace"), "status": None,
                       "conn": "%s:%d" % self.client_address[:2]}
        with LOCK:
            RECORDS.append(self.record)
        if ARGS.latency_ms > 0:
            time.sleep(ARGS.latency_ms / 1000.0)
        f = take_fault(bmc.name, rpath)
        if f:
            kind = f.get("kind")
            if kind == "delay":
                time.sleep(f.get("ms", 1000) / 1000.0)
            elif kind in ("drop", "dead"):
                return self.drop()
            elif kind == "status":
                st = f.get("status", 500)
                hdr = {}
                if "retry_after" in f:
                    hdr["Retry-After"] = str(f["retry_after"])
                s, b = ext_error(st, "ServiceTemporarilyUnavailable" if st == 503 else
                                 "GeneralError", "injected fault %d" % st)
                return self.send_json(s, b, hdr)
            elif kind == "malformed":
                return self.send_json(200, None, raw=b'{"Members": [ {"@odata.id": tru')
        with LOCK:
            return self.serve(bmc, method, rpath, query, body, auth, token)

    def authorized(self, bmc, auth, token):
        if token and token in bmc.sessions:
            return True
        if auth and auth.startswith("Basic "):
            try:
                u, _, p = base64.b64decode(auth[6:]).decode().partition(":")
            except Exception:
                return False
            return u == ARGS.user and p == ARGS.password and not ARGS.no_basic
        return False

    def reply(self, bmc, status, body, headers=None):
        if body is not None:
            text = json.dumps(body).replace('"/redfish/v1', '"' + bmc.prefix + "/redfish/v1")
            return self.send_json(status, None, headers, raw=text.encode())
        return self.send_json(status, None, headers)

    def system_view(self, bmc, path):
        """Advance a system's power state machine; returns the system body."""
        sysb = bmc.mut(path)
        st = bmc.power.get(path)
        if st and time.time() >= st["ready_at"]:
            sysb["PowerState"] = st["target"]
            if st["target"] == "On":
                sysb.setdefault("BootProgress", {})
                sysb["BootProgress"]["LastState"] = "OSRunning"
                if st.get("boot_from"):
                    sysb["Oem"] = dict(sysb.get("Oem") or {})
                    sysb["Oem"]["RacktopTest"] = {"BootedFrom": st["boot_from"]}
            del bmc.power[path]
        return sysb

    def reset(self, bmc, sys_path, rtype):
        sysb = self.system_view(bmc, sys_path)
        allowed = (sysb.get("Actions", {}).get("#ComputerSystem.Reset", {})
                   .get("ResetType@Redfish.AllowableValues"))
        if allowed is not None and rtype not in allowed:
            return ext_error(400, "ActionParameterNotSupported",
                             "The value '%s' for the parameter ResetType is not supported." % rtype)
        delay = ARGS.state_delay_ms / 1000.0
        cur = sysb.get("PowerState", "Off")
        if rtype in ("On", "ForceOn"):
            target, mid = "On", "PoweringOn"
        elif rtype in ("ForceOff", "GracefulShutdown"):
            target, mid = "Off", "PoweringOff"
        elif rtype in ("ForceRestart", "GracefulRestart", "PowerCycle"):
            target, mid = "On", "PoweringOn"
        elif rtype == "PushPowerButton":
            target, mid = ("Off", "PoweringOff") if cur == "On" else ("On", "PoweringOn")
        elif rtype == "Nmi":
            return 204, None
        else:
            return ext_error(400, "ActionParameterNotSupported", "bad ResetType")
        boot_from = None
        if target == "On":
            boot = sysb.get("Boot") or {}
            if boot.get("BootSourceOverrideEnabled") in ("Once", "Continuous"):
                boot_from = boot.get("BootSourceOverrideTarget")
            if boot.get("BootSourceOverrideEnabled") == "Once":
                boot["BootSourceOverrideEnabled"] = "Disabled"
                boot["BootSourceOverrideTarget"] = "None"
            sysb.setdefault("BootProgress", {})["LastState"] = "SystemHardwareInitializationComplete"
        sysb["PowerState"] = mid
        bmc.power[sys_path] = {"target": target, "ready_at": time.time() + delay,
                               "boot_from": boot_from}
        return 204, None

    def expand(self, bmc, body):
        out = copy.deepcopy(body)
        members = []
        for m in out.get("Members", []):
            mp = m.get("@odata.id", "")
            mb = self.system_view(bmc, mp) if mp in bmc.power else bmc.get(mp)
            members.append(mb if mb is not None else m)
        out["Members"] = members
        return out

    def decorate(self, rpath, body):
        """Add the actions the mockups lack."""
        t = body.get("@odata.type", "")
        if t.startswith("#VirtualMedia.") and "Actions" not in body:
            body = dict(body)
            body["Actions"] = {
                "#VirtualMedia.InsertMedia": {"target": rpath + "/Actions/VirtualMedia.InsertMedia"},
                "#VirtualMedia.EjectMedia": {"target": rpath + "/Actions/VirtualMedia.EjectMedia"}}
        if t.startswith("#LogService.") and "Actions" not in body:
            body = dict(body)
            body["Actions"] = {"#LogService.ClearLog": {"target": rpath + "/Actions/LogService.ClearLog"}}
        return body

    def serve(self, bmc, method, rpath, query, body, auth, token):
        sessions_path = "/redfish/v1/SessionService/Sessions"
        public = rpath in ("/redfish/v1", "/redfish", "/redfish/v1/odata") or rpath.startswith("/redfish/v1/$metadata")
        if method == "POST" and rpath == sessions_path:
            if ARGS.no_sessions:
                return self.reply(bmc, *ext_error(405, "OperationNotAllowed", "sessions disabled"))
            try:
                cred = json.loads(body or b"{}")
            except ValueError:
                return self.reply(bmc, *ext_error(400, "MalformedJSON", "malformed JSON"))
            if cred.get("UserName") != ARGS.user or cred.get("Password") != ARGS.password:
                return self.reply(bmc, *ext_error(401, "NoValidSession", "bad credentials"))
            tok = uuid.uuid4().hex
            sid = uuid.uuid4().hex[:12]
            bmc.sessions[tok] = sid
            loc = bmc.prefix + sessions_path + "/" + sid
            return self.reply(bmc, 201, {"@odata.id": sessions_path + "/" + sid, "Id": sid,
                                         "UserName": ARGS.user},
                              {"X-Auth-Token": tok, "Location": loc})
        if not public and not self.authorized(bmc, auth, token):
            return self.reply(bmc, *ext_error(401, "NoValidSession", "authentication required"))
        if method == "DELETE" and rpath.startswith(sessions_path + "/"):
            sid = rpath.rsplit("/", 1)[1]
            for t, s in list(bmc.sessions.items()):
                if s == sid:
                    del bmc.sessions[t]
                    return self.reply(bmc, 204, None)
            return self.reply(bmc, *ext_error(404, "ResourceMissingAtURI", "no such session"))
        if method == "POST" and "/Actions/" in rpath:
            target, _, action = rpath.partition("/Actions/")
            try:
                args = json.loads(body or b"{}")
            except ValueError:
                return self.reply(bmc, *ext_error(400, "MalformedJSON", "malformed JSON"))
            if bmc.get(target) is None:
                return self.reply(bmc, *ext_error(404, "ResourceMissingAtURI", "no such resource"))
            if action == "ComputerSystem.Reset":
                return self.reply(bmc, *self.reset(bmc, target, args.get("ResetType")))
            if action == "VirtualMedia.InsertMedia":
                if not args.get("Image"):
                    return self.reply(bmc, *ext_error(400, "PropertyMissing", "Image is required"))
                vm = bmc.mut(target)
                vm["Image"] = args["Image"]
                vm["Inserted"] = bool(args.get("Inserted", True))
                vm["WriteProtected"] = bool(args.get("WriteProtected", True))
                return self.reply(bmc, 204, None)
            if action == "VirtualMedia.EjectMedia":
                vm = bmc.mut(target)
                vm["Image"] = None
                vm["Inserted"] = False
                return self.reply(bmc, 204, None)
            if action == "LogService.ClearLog":
                ent = bmc.mut(target + "/Entries")
                if ent is not None:
                    ent["Members"] = []
                    ent["Members@odata.count"] = 0
                    ent.pop("@odata.nextLink", None)
                return self.reply(bmc, 204, None)
            return self.reply(bmc, *ext_error(400, "ActionNotSupported", "action not supported"))
        cached = None
        noexp = bmc.name in ARGS.no_expand
        if noexp:
            query = query.replace("$expand", "$ignored")
        if method == "GET" and rpath not in bmc.over and "$expand" not in query and not (
                noexp and rpath == "/redfish/v1"):
            cached = TEXT_CACHE.get((bmc.mockup, rpath))
        if cached is not None and not cached[0].startswith('{"@odata.type": "#ComputerSystem.'):
            text, etag = cached
            if self.headers.get("If-None-Match") == etag:
                return self.send_json(304, None, {"ETag": etag})
            return self.send_json(200, None, {"ETag": etag},
                                  raw=text.replace('"/redfish/v1', '"' + bmc.prefix + "/redfish/v1").encode())
        res = bmc.get(rpath)
        if res is None:
            return self.reply(bmc, *ext_error(404, "ResourceMissingAtURI",
                                              "The resource at the URI %s was not found." % rpath))
        if rpath in bmc.power or (method == "GET" and res.get("@odata.type", "").startswith("#ComputerSystem.")):
            res = self.system_view(bmc, rpath)
        if method == "PATCH":
            etag = etag_of(res)
            im = self.headers.get("If-Match")
            if im is not None and im != etag and im != "*":
                return self.reply(bmc, *ext_error(412, "PreconditionFailed",
                                                  "The ETag supplied did not match the ETag required."))
            try:
                patch = json.loads(body or b"{}")
            except ValueError:
                return self.reply(bmc, *ext_error(400, "MalformedJSON", "malformed JSON"))
            mres = bmc.mut(rpath)
            for k, v in patch.items():
                if k == "Boot" and isinstance(v, dict):
                    boot = mres.setdefault("Boot", {})
                    allowed = boot.get("BootSourceOverrideTarget@Redfish.AllowableValues")
                    tgt = v.get("BootSourceOverrideTarget")
                    if tgt is not None and allowed is not None and tgt not in allowed and tgt != "UefiHttp":
                        return self.reply(bmc, *ext_error(400, "PropertyValueNotInList",
                                                          "The value %s for BootSourceOverrideTarget is not in the list." % tgt))
                    boot.update(v)
                elif k in ("IndicatorLED", "LocationIndicatorActive", "AssetTag"):
                    mres[k] = v
                else:
                    return self.reply(bmc, *ext_error(400, "PropertyNotWritable",
                                                      "The property %s is read only." % k))
            return self.reply(bmc, 200, mres, {"ETag": etag_of(mres)})
        if method != "GET":
            return self.reply(bmc, *ext_error(405, "OperationNotAllowed", "method not allowed"))
        if "$expand" in query and "Members" in res:
            res = self.expand(bmc, res)
        res = self.decorate(rpath, res)
        if noexp and rpath == "/redfish/v1":
            res = dict(res)
            pfs = dict(res.get("ProtocolFeaturesSupported") or {})
            pfs.pop("ExpandQuery", None)
            res["ProtocolFeaturesSupported"] = pfs
        etag = etag_of(res)
        if rpath not in bmc.over and "$expand" not in query and not (noexp and rpath == "/redfish/v1"):
            TEXT_CACHE[(bmc.mockup, rpath)] = (json.dumps(res), etag)
        if self.headers.get("If-None-Match") == etag:
            return self.send_json(304, None, {"ETag": etag})
        return self.reply(bmc, 200, res, {"ETag": etag})


def main():
    global ARGS
    ap = argparse.ArgumentParser()
    ap.add_argument("--fixtures", required=True, help="folder holding the redfish mockups")
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--port-file")
    ap.add_argument("--tls", nargs=2, metavar=("CERT", "KEY"))
    ap.add_argument("--bmc", action="append", default=[], help="NAME=MOCKUP")
    ap.add_argument("--scale", help="N:MOCKUP -> BMCs s0..s<N-1>")
    ap.add_argument("--latency-ms", type=int, default=0)
    ap.add_argument("--state-delay-ms", type=int, default=300)
    ap.add_argument("--user", default="admin")
    ap.add_argument("--password", default="secret")
    ap.add_argument("--no-sessions", action="store_true")
    ap.add_argument("--no-basic", action="store_true")
    ap.add_argument("--ports", action="store_true", help="one listening port per BMC, no prefix")
    ap.add_argument("--procs", type=int, default=1, help="with --ports: processes to fork")
    ap.add_argument("--no-expand", action="append", default=[], metavar="NAME",
                    help="this BMC advertises and honours no $expand")
    ARGS = ap.parse_args()
    specs = [b.split("=", 1) for b in ARGS.bmc]
    if ARGS.scale:
        n, mock = ARGS.scale.split(":", 1)
        specs += [("s%d" % i, mock) for i in range(int(n))]
    for name, mock in specs:
        if mock not in MOCKS:
            MOCKS[mock] = load_mockup(os.path.join(ARGS.fixtures, "redfish"), mock)
            if not MOCKS[mock]:
                sys.exit("no mockup '%s' in %s" % (mock, ARGS.fixtures))
        BMCS[name] = Bmc(name, mock, "" if ARGS.ports else None)

    ThreadingHTTPServer.daemon_threads = True
    ThreadingHTTPServer.request_queue_size = 1024
    if ARGS.ports:
        return serve_ports()
    srv = ThreadingHTTPServer(("127.0.0.1", ARGS.port), Handler)
    if ARGS.tls:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(ARGS.tls[0], ARGS.tls[1])
        srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    port = srv.server_address[1]
    if ARGS.port_file:
        tmp = ARGS.port_file + ".tmp"
        with open(tmp, "w") as f:
            f.write("%d\n" % port)
        os.rename(tmp, ARGS.port_file)
    try:
        srv.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass


def serve_ports():
    """One listening socket per BMC, served by one selector loop per process."""
    import resource
    import selectors
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    servers = []
    for name, bmc in BMCS.items():
        srv = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        srv.bmc = bmc
        if ARGS.tls:
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            ctx.load_cert_chain(ARGS.tls[0], ARGS.tls[1])
            srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
        servers.append((name, srv))
    if ARGS.port_file:
        tmp = ARGS.port_file + ".tmp"
        with open(tmp, "w") as f:
            for name, srv in servers:
                f.write("%s %d\n" % (name, srv.server_address[1]))
        os.rename(tmp, ARGS.port_file)
    k = max(1, ARGS.procs)
    children = []
    mine = servers
    for i in range(1, k):
        pid = os.fork()
        if pid == 0:
            mine = servers[i::k]
            children = []
            break
        children.append(pid)
    else:
        mine = servers[0::k]
    for _, srv in servers:
        if all(srv is not m for _, m in mine):
            srv.socket.close()
    import signal
    parent = os.getppid() if not children and k > 1 else None
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    sel = selectors.DefaultSelector()
    for _, srv in mine:
        sel.register(srv.socket, selectors.EVENT_READ, srv)
    try:
        while True:
            for key, _ in sel.select(timeout=0.5):
                key.data._handle_request_noblock()
            if parent is not None and os.getppid() != parent:
                break  # the first process is gone: so is the server
    except KeyboardInterrupt:
        pass
    finally:
        for pid in children:
            try:
                os.kill(pid, 15)
            except OSError:
                pass


if __name__ == "__main__":
    main()
