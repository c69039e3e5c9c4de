#!/usr/bin/env python3
"""Loopback OpenStack fixture server for racktop's tests and benchmarks.

Keystone v3 (password and application-credential token issue, with a catalog
pointing at this server), Nova v2.1, Cinder v3, Neutron v2.0 and Glance v2,
built on the upstream API samples (read in place from --fixtures, the
shared openstack/ folder; nothing is copied).  It keeps state, so
create/act/delete flows work, and checks every request: the token header,
the microversion header, the body shape and the paging parameters.  A
malformed request is answered 400 and recorded as a violation; the test then
fails on GET /_control/violations being non-empty.

Control (no auth):
  GET  /_control/violations   recorded violations (list)
  GET  /_control/requests     recorded requests (method, path, query, headers of interest)
  POST /_control/reset        forget recorded requests
  POST /_control/fault        {"path": substring, "method": "GET", "status": 503,
                               "count": 1, "retry_after": 1, "delay_ms": 0, "message": "..."}
                              the next `count` matching requests get an upstream-format error
                              (status 0 = close the connection without a reply)
  POST /_control/expire       every token becomes invalid (the next call gets a 401)
  POST /_control/server       {"id": ..., "status": ..., "task_state": ...} set a server's state
  GET  /_control/created      the request bodies of every server create (list)
  POST /_control/port         {"id": ..., "name": ..., ...} set members of a Neutron port

Neutron ports are the upstream samples plus one compute port per server at start
(port-vm-NNNNN, on net1); floating IPs are the upstream samples, from the external
network "public" (added here: the samples have none).  Listings of ports, floating
IPs and networks must page (limit, marker); floating IP create/update bodies are checked
key by key.  Networks are the upstream list sample plus "public" (router:external).

Nova instance actions (os-instance-actions) are recorded per server for every
action this server accepts, on top of the upstream sample's two; console
output (os-getConsoleOutput) is the upstream sample plus numbered lines and a
line with terminal escape sequences (the client must sanitise it).

Python 3 standard library only.
"""
import argparse
import copy
import json
import os
import re
import socketserver
import sys
import threading
import time
import urllib.parse
import uuid
from http.server import BaseHTTPRequestHandler, HTTPServer
from urllib.parse import parse_qs, urlparse

NOVA_MAX = "2.96"
CINDER_MAX = "3.70"
PROJECT = "6f70656e737461636b20342065766572"

LOCK = threading.Lock()


def load(fx, name):
    with open(os.path.join(fx, name)) as f:
        return json.load(f)


def now_iso(t=None):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t if t is not None else time.time()))


class State:
    def __init__(self, fx, n_servers, user, password, token_ttl):
        self.fx = fx
        self.user, self.password, self.token_ttl = user, password, token_ttl
        self.tokens = {}
        self.violations = []
        self.requests = []
        self.faults = []
        sample = load(fx, "nova/servers-details-resp.v2.100.json")["servers"][0]
        self.server_tpl = sample
        self.servers = {}       # id -> dict
        self.order = []         # ids in listing order
        self.deleted = {}       # id -> deleted time
        base = time.time() - 3600
        for i in range(n_servers):
            s = copy.deepcopy(sample)
            sid = str(uuid.UUID(int=i + 1))
            s["id"] = sid
            s["name"] = "vm-%05d" % i
            s["updated"] = now_iso(base)
            s["OS-EXT-SRV-ATTR:hypervisor_hostname"] = "host%d" % (i % 2 + 1)
            self.servers[sid] = s
            self.order.append(sid)
        self.flavors = load(fx, "nova/flavors-detail-resp.json")["flavors"]
        self.cache = {}          # (id, before 2.47) -> serialised JSON (the benchmark serves 10 000)
        self.hypervisors = load(fx, "nova/hypervisors-detail-resp.v2.88.json")["hypervisors"]
        self.keypairs = load(fx, "nova/keypairs-list-resp.v2.35.json")["keypairs"]
        self.server_groups = load(fx, "nova/server-groups-list-resp.v2.64.json")["server_groups"]
        self.azs = load(fx, "nova/availability-zone-detail-resp.json")["availabilityZoneInfo"]
        self.volumes = {v["id"]: v for v in load(fx, "cinder/volumes-list-detailed-response.json")["volumes"]}
        for v in self.volumes.values():
            v["status"] = "available"
        self.snapshots = {s["id"]: s for s in load(fx, "cinder/snapshots-list-detailed-response.json")["snapshots"]}
        self.sgs = {g["id"]: g for g in load(fx, "neutron/security-groups-list-response.json")["security_groups"]}
        self.images = {i["id"]: i for i in load(fx, "glance/images-list-response.json")["images"]}
        self.networks = load(fx, "neutron/networks-list-response.json")["networks"]
        # the external network (floating IP pool) the floating IP samples come from
        ext = copy.deepcopy(self.networks[0])
        ext.update({"id": "376da547-b977-4cfe-9cba-275c80debf57", "name": "public",
                    "router:external": True, "subnets": ["278d9507-36e7-403c-bb80-1d7093318fe6"]})
        self.networks.append(ext)
        # ports: the upstream samples (router ports) plus one compute port per server
        self.ports = {p["id"]: p for p in load(fx, "neutron/ports-list-response.json")["ports"]}
        port_tpl = load(fx, "neutron/port-show-response.json")["port"]
        for i, sid in enumerate(self.order):
            p = copy.deepcopy(port_tpl)
            p.update({"id": "5a7a4e4c-1000-4000-8000-%012d" % (i + 1), "name": "port-vm-%05d" % i,
                      "device_id": sid, "device_owner": "compute:us-west", "status": "ACTIVE",
                      "network_id": self.networks[0]["id"], "mac_address": "fa:16:3e:00:00:%02x" % (i + 1),
                      "fixed_ips": [{"ip_address": "192.168.1.%d" % (i + 10),
                                     "subnet_id": "a0304c3a-4f08-4c43-88af-d796509c97d2"}]})
            self.ports[p["id"]] = p
        self.fips = {f["id"]: f for f in load(fx, "neutron/floating-ips-list-response.json")["floatingips"]}
        self.fip_pool = 100
        self.created = []       # server create bodies, as received
        self.build_fail = []    # fault messages: the next servers created end in ERROR with them
        self.capacity = None    # instances that can still be created (quota); None: no limit
        self.port_details = True  # the fip-port-details extension: off = no port_details key
        self.action_tpl = load(fx, "nova/instance-actions-list-resp.v2.84.json")["instanceActions"]
        self.console_tpl = load(fx, "nova/console-output-post-resp.json")["output"]
        for i, img in enumerate(self.images.values()):
            if i == 0:
                img["os_distro"] = "ubuntu"

    def render(self, s, mv):
        """A server as Nova shows it at microversion `mv` ((major, minor)).
        Before 2.47 the flavor is a reference {"id", "links"}, not the embedded
        copy of the samples; python-novaclient (openstackclient) asks for 2.1."""
        out = {k: v for k, v in s.items() if not k.startswith("_")}
        if mv < (2, 47):
            name = (s.get("flavor") or {}).get("original_name")
            fid = next((f["id"] for f in self.flavors if f["name"] == name), self.flavors[0]["id"])
            out["flavor"] = {"id": fid, "links": [{"href": "http://openstack.example.com/flavors/" + fid,
                                                   "rel": "bookmark"}]}
        return out

    def ser(self, sid, mv):
        key = (sid, mv < (2, 47))
        j = self.cache.get(key)
        if j is None:
            j = json.dumps(self.render(self.servers[sid], mv))
            self.cache[key] = j
        return j

    def uncache(self, sid):
        self.cache.pop((sid, False), None)
        self.cache.pop((sid, True), None)

    def touch(self, s):
        s["updated"] = now_iso()
        self.uncache(s["id"])


def error_body(service, status, message):
    kinds = {400: "badRequest", 401: "unauthorized", 403: "forbidden", 404: "itemNotFound",
             409: "conflictingRequest", 413: "overLimit", 429: "overLimit", 500: "computeFault",
             503: "serviceUnavailable"}
    if service == "network":
        return {"NeutronError": {"type": "HTTP%d" % status, "message": message, "detail": ""}}
    if service == "identity":
        return {"error": {"code": status, "message": message, "title": "Error"}}
    if service == "image":
        return {"message": message, "code": "%d" % status, "title": "Error"}
    return {kinds.get(status, "computeFault"): {"message": message, "code": status}}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out in two writes; with Nagle on, a small reply's body waits for
    # the client's delayed ACK of the headers (40 ms on Linux) on a kept-alive connection,
    # which real API servers do not do.
    disable_nagle_algorithm = True
    st = None
    base = ""

    def log_message(self, *a):
        pass

    # ---- plumbing
    def send(self, status, doc=None, raw=None, headers=None, service="compute"):
        body = raw if raw is not None else (json.dumps(doc).encode() if doc is not None else b"")
        self.send_response(status)
        rid = "req-" + str(uuid.uuid4())
        self.send_header("X-OpenStack-Request-Id", rid)
        if service == "compute":
            self.send_header("X-Compute-Request-Id", rid)
        if body:
            self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        if body:
            self.wfile.write(body)

    def fail(self, service, status, message, headers=None):
        self.send(status, error_body(service, status, message), headers=headers, service=service)

    def violation(self, service, why):
        with LOCK:
            self.st.violations.append({"method": self.command, "path": self.path, "why": why})
        self.fail(service, 400, "racktop fixture: malformed request: " + why)

    def body(self):
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n else b""

    def json_body(self, service):
        raw = self.body()
        if not raw:
            return None
        ct = self.headers.get("Content-Type", "")
        if not ct.startswith("application/json") and not ct.startswith("application/openstack-images"):
            self.violation(service, "body without Content-Type application/json")
            return False
        try:
            return json.loads(raw)
        except ValueError:
            self.violation(service, "body is not JSON")
            return False

    def do_GET(self): self.route()
    def do_POST(self): self.route()
    def do_PUT(self): self.route()
    def do_PATCH(self): self.route()
    def do_DELETE(self): self.route()

    def route(self):
        u = urlparse(self.path)
        path, q = u.path, parse_qs(u.query)
        if path.startswith("/_control/"):
            return self.control(path[len("/_control/"):])
        parts = path.strip("/").split("/")
        service = {"identity": "identity", "compute": "compute", "volume": "volume",
                   "network": "network", "image": "image"}.get(parts[0])
        if service is None:
            return self.fail("compute", 404, "no such service")
        with LOCK:
            self.st.requests.append({"method": self.command, "path": path, "query": u.query,
                                     "token": self.headers.get("X-Auth-Token") is not None,
                                     "mv": self.headers.get("OpenStack-API-Version")})
            fault = None
            for f in self.st.faults:
                if f["count"] > 0 and f.get("path", "") in path and f.get("method", self.command) == self.command:
                    f["count"] -= 1
                    fault = dict(f)
                    break
        if fault is not None:
            self.body()
            if fault.get("delay_ms"):
                time.sleep(fault["delay_ms"] / 1000.0)
            if fault.get("status", 503) == 0:
                self.close_connection = True
                self.wfile.flush()
                self.connection.shutdown(2)
                return
            hdr = {"Retry-After": str(fault["retry_after"])} if "retry_after" in fault else None
            return self.fail(service, fault.get("status", 503), fault.get("message", "injected fault"), hdr)
        rest = parts[1:]
        if service == "image" and self.command == "GET" and rest in ([], [""], ["versions"]):
            # Glance's version list is public (no sample upstream: built here)
            return self.send(300 if rest != ["versions"] else 200, {"versions": [
                {"id": "v2.16", "status": "CURRENT",
                 "links": [{"rel": "self", "href": self.base + "/image/v2/"}]}]}, service="image")
        if service == "identity":
            return self.identity(rest, q)
        # every other service: a live token
        tok = self.headers.get("X-Auth-Token")
        if tok is None:
            return self.violation(service, "no X-Auth-Token header")
        with LOCK:
            exp = self.st.tokens.get(tok)
        if exp is None or exp < time.time():
            self.body()
            return self.fail(service, 401, "The request you have made requires authentication.")
        return getattr(self, service)(rest, q)

    def control(self, what):
        st = self.st
        if what == "violations":
            return self.send(200, st.violations)
        if what == "requests":
            return self.send(200, st.requests)
        if what == "created":
            return self.send(200, st.created)
        doc = json.loads(self.body() or b"{}")
        with LOCK:
            if what == "reset":
                st.requests.clear()
            elif what == "fault":
                doc.setdefault("count", 1)
                st.faults.append(doc)
            elif what == "expire":
                st.tokens.clear()
            elif what == "server":
                s = st.servers[doc["id"]]
                for k, v in doc.items():
                    key = {"task_state": "OS-EXT-STS:task_state"}.get(k, k)
                    s[key] = v
                st.touch(s)
            elif what == "build_fail":
                st.build_fail.extend([doc.get("message", "No valid host was found.")] * doc.get("count", 1))
            elif what == "neutron":
                st.port_details = bool(doc.get("port_details", True))
            elif what == "capacity":
                st.capacity = doc.get("instances")
            elif what == "port":
                st.ports[doc["id"]].update({k: v for k, v in doc.items() if k != "id"})
            else:
                return self.send(404, {"error": "unknown control " + what})
        self.send(204)

    # ---- Keystone
    def identity(self, rest, q):
        if self.command == "GET" and rest in ([], [""], ["v3"], ["v3", ""]):
            # version discovery, as keystoneauth does it before authenticating
            doc = load(self.st.fx, "keystone/identity-version-response.json" if rest[:1] == ["v3"]
                       else "keystone/identity-versions-response.json")
            blob = json.dumps(doc).replace("http://example.com/identity", self.base + "/identity")
            blob = re.sub(r'"href": "https?://[^"]*/v3/?"', '"href": "%s/identity/v3/"' % self.base, blob)
            return self.send(300 if not rest or rest == [""] else 200, raw=blob.encode(), service="identity")
        if rest == ["v3", "auth", "tokens"] and self.command == "POST":
            doc = self.json_body("identity")
            if doc is False:
                return
            try:
                ident = doc["auth"]["identity"]
                methods = ident["methods"]
                if methods == ["password"]:
                    user = ident["password"]["user"]
                    name, pw = user.get("name") or user.get("id"), user["password"]
                    if "name" in user and "domain" not in user:
                        return self.violation("identity", "user name without a domain")
                    scope = doc["auth"].get("scope", {}).get("project")
                    if scope is not None and "name" in scope and "domain" not in scope:
                        return self.violation("identity", "project name without a domain")
                elif methods == ["application_credential"]:
                    ac = ident["application_credential"]
                    name, pw = ac.get("id") or ac.get("name"), ac["secret"]
                else:
                    return self.violation("identity", "unsupported methods %r" % methods)
            except (KeyError, TypeError) as e:
                return self.violation("identity", "auth body lacks %s" % e)
            if name != self.st.user or pw != self.st.password:
                return self.fail("identity", 401, "The request you have made requires authentication.")
            tok = "gAAAA" + uuid.uuid4().hex
            with LOCK:
                self.st.tokens[tok] = time.time() + self.st.token_ttl
            resp = load(self.st.fx, "keystone/auth-response-project-scoped-password.json")
            t = resp["token"]
            t["expires_at"] = time.strftime("%Y-%m-%dT%H:%M:%S.000000Z", time.gmtime(time.time() + self.st.token_ttl))
            t["project"]["id"] = PROJECT
            t["roles"] = [{"id": "1", "name": "admin"}, {"id": "2", "name": "member"}]
            b = self.base
            cat = []
            for typ, url in (("identity", b + "/identity"), ("compute", b + "/compute/v2.1"),
                             ("volumev3", b + "/volume/v3/" + PROJECT), ("network", b + "/network"),
                             ("image", b + "/image")):
                cat.append({"type": typ, "name": typ, "id": uuid.uuid4().hex, "endpoints": [
                    {"id": uuid.uuid4().hex, "interface": itf, "region": "RegionOne",
                     "region_id": "RegionOne", "url": url if itf == "public" else url.replace("127.0.0.1", "192.0.2.1")}
                    for itf in ("public", "internal", "admin")]})
            t["catalog"] = cat
            return self.send(201, resp, headers={"X-Subject-Token": tok}, service="identity")
        return self.fail("identity", 404, "not found")

    # ---- paging
    def page(self, service, q, ids, key_of):
        limit = q.get("limit", [None])[0]
        marker = q.get("marker", [None])[0]
        if limit is not None:
            if not limit.isdigit() or int(limit) < 1:
                self.violation(service, "bad limit %r" % limit)
                return None
            limit = int(limit)
        start = 0
        if marker is not None:
            try:
                start = ids.index(marker) + 1
            except ValueError:
                self.fail(service, 400, "marker [%s] not found" % marker)
                return None
        return ids[start:start + limit] if limit else ids[start:]

    # ---- Nova
    def check_mv(self, service, prefix):
        mv = self.headers.get("OpenStack-API-Version")
        if mv is None:
            return True  # no header = the base version, as the real services answer
        if not mv.startswith(prefix + " "):
            self.violation(service, "no OpenStack-API-Version: %s X.Y header" % prefix)
            return False
        return True

    def nova_mv(self):
        """The compute microversion asked for, as Nova reads it: OpenStack-API-Version
        first, then the legacy X-OpenStack-Nova-API-Version (python-novaclient sends
        only that one), else the base 2.1.  None (after a violation) when malformed."""
        mv = self.headers.get("OpenStack-API-Version")
        v = mv[len("compute "):].strip() if mv is not None else self.headers.get("X-OpenStack-Nova-API-Version")
        if v is None:
            return (2, 1)
        if v == "latest":
            v = NOVA_MAX
        m = re.fullmatch(r"(\d+)\.(\d+)", v)
        if m is None:
            self.violation("compute", "malformed compute microversion %r" % v)
            return None
        return (int(m.group(1)), int(m.group(2)))

    def compute(self, rest, q):
        if rest == ["v2.1"] or rest == ["v2.1", ""]:
            doc = load(self.st.fx, "nova/v21-version-get-resp.json")
            doc["version"]["version"] = NOVA_MAX
            return self.send(200, doc)
        if rest[:1] != ["v2.1"]:
            return self.fail("compute", 404, "not found")
        if not self.check_mv("compute", "compute"):
            return
        mv = self.nova_mv()
        if mv is None:
            return
        r = rest[1:]
        st = self.st
        m = self.command
        if r == ["servers", "detail"] and m == "GET":
            since = q.get("changes-since", [None])[0]
            resv = q.get("reservation_id", [None])[0]
            if resv is not None and not re.fullmatch(r"r-[a-z0-9]{8}", resv):
                return self.violation("compute", "reservation_id filter is not a reservation id: %r" % resv)
            with LOCK:
                ids = st.order
                if resv is not None:
                    # a multiple create followed by its reservation: builds advance per poll
                    ids = [i for i in st.order if st.servers[i].get("_resv") == resv]
                    for i in ids:
                        self.advance(st.servers[i])
                if since is not None:
                    if "T" not in since:
                        return self.violation("compute", "changes-since is not ISO 8601: %r" % since)
                    ids = [i for i in st.order if st.servers[i]["updated"] >= since]
                    gone = [i for i, t in st.deleted.items() if t >= since]
                else:
                    gone = []
                sel = self.page("compute", q, ids, None)
                if sel is None:
                    return
                parts = [st.ser(i, mv) for i in sel]
                for g in gone:
                    parts.append(json.dumps({"id": g, "name": "deleted", "status": "DELETED",
                                             "updated": st.deleted[g]}))
            # Nova's paging links: rel=next when the page reached the limit, its href
            # carrying this page's last id as the marker (racktop asks for the next page
            # with it before it has read the page through).
            links = ""
            limit = q.get("limit", [None])[0]
            if limit is not None and sel and len(sel) == int(limit):
                nq = [(k, v) for k, vs in q.items() if k != "marker" for v in vs] + [("marker", sel[-1])]
                href = "http://%s%s?%s" % (self.headers.get("Host", "localhost"),
                                           self.path.split("?")[0], urllib.parse.urlencode(nq))
                links = ', "servers_links": [%s]' % json.dumps({"href": href, "rel": "next"})
            body = ('{"servers": [' + ", ".join(parts) + "]" + links + "}").encode()
            return self.send(200, raw=body)
        if r == ["servers"] and m == "GET":
            name = q.get("name", [None])[0]
            with LOCK:
                out = [{"id": i, "name": st.servers[i]["name"], "links": []} for i in st.order
                       if name is None or re.search(name, st.servers[i]["name"])]
            return self.send(200, {"servers": out})
        if r == ["servers"] and m == "POST":
            doc = self.json_body("compute")
            if doc is False:
                return
            s = (doc or {}).get("server")
            if not isinstance(s, dict) or not s.get("name") or not s.get("flavorRef"):
                return self.violation("compute", "server create needs server.name and flavorRef")
            if "imageRef" not in s and "block_device_mapping_v2" not in s:
                return self.violation("compute", "server create needs imageRef or block_device_mapping_v2")
            if "networks" not in s:
                return self.violation("compute", "server create needs networks (2.37+)")
            if not any(f["id"] == s["flavorRef"] for f in st.flavors):
                return self.fail("compute", 400, "Flavor %s could not be found." % s["flavorRef"])
            why = self.check_create(doc, s)
            if why is not None:
                return self.violation("compute", why)
            if "key_name" in s and not any(k["keypair"]["name"] == s["key_name"] for k in st.keypairs):
                return self.fail("compute", 400, "Invalid key_name provided.")
            lo, hi = s.get("min_count", 1), s.get("max_count", s.get("min_count", 1))
            rr = s.get("return_reservation_id", False)
            if not isinstance(rr, bool):
                return self.violation("compute", "return_reservation_id must be a boolean, got %r" % (rr,))
            with LOCK:
                # as Nova: as many as the quota allows between min_count and max_count, or 403
                count = hi if st.capacity is None else min(hi, st.capacity)
                if count < lo:
                    return self.fail("compute", 403, "Quota exceeded for instances: Requested %d, but "
                                     "already used 0 of %d instances" % (lo, st.capacity))
                if st.capacity is not None:
                    st.capacity -= count
                st.created.append(doc)
                resv = "r-" + uuid.uuid4().hex[:8]
                for i in range(count):
                    n = copy.deepcopy(st.server_tpl)
                    n["id"] = str(uuid.uuid4())
                    # Nova's multi_instance_display_name_template: %(name)s-%(count)d
                    n["name"] = s["name"] if hi == 1 else "%s-%d" % (s["name"], i + 1)
                    n["_resv"] = n["OS-EXT-SRV-ATTR:reservation_id"] = resv
                    if st.build_fail:
                        n["_final"] = "ERROR"
                        n["_fault"] = {"code": 500, "created": now_iso(), "message": st.build_fail.pop(0)}
                    n["status"] = "BUILD"
                    n["OS-EXT-STS:vm_state"] = "building"
                    n["OS-EXT-STS:task_state"] = "spawning"
                    n["progress"] = 0
                    n["_polls"] = 2
                    if s.get("availability_zone"):
                        n["OS-EXT-AZ:availability_zone"] = s["availability_zone"]
                    if s.get("key_name"):
                        n["key_name"] = s["key_name"]
                    n["_actions"] = [self.action_rec(n, "create")]
                    st.servers[n["id"]] = n
                    st.order.append(n["id"])
                    st.touch(n)
                    if i == 0:
                        first = n
                n = first
            if rr:
                return self.send(202, {"reservation_id": resv})
            return self.send(202, {"server": {"id": n["id"], "links": [], "adminPass": "x"}},
                             headers={"Location": self.base + "/compute/v2.1/servers/" + n["id"]})
        if len(r) >= 2 and r[0] == "servers":
            with LOCK:
                s = st.servers.get(r[1])
            if s is None:
                return self.fail("compute", 404, "Instance %s could not be found." % r[1])
            if len(r) == 2 and m == "GET":
                with LOCK:
                    self.advance(s)
                    out = st.render(s, mv)
                return self.send(200, {"server": out})
            if len(r) == 2 and m == "DELETE":
                with LOCK:
                    del st.servers[r[1]]
                    st.order.remove(r[1])
                    st.uncache(r[1])
                    st.deleted[r[1]] = now_iso()
                return self.send(204)
            if r[2:] == ["action"] and m == "POST":
                return self.server_action(s, self.json_body("compute"))
            if r[2:] == ["os-instance-actions"] and m == "GET":
                return self.instance_actions(s, q, mv)
            if r[2:] == ["os-volume_attachments"] and m == "POST":
                doc = self.json_body("compute")
                if doc is False:
                    return
                vid = ((doc or {}).get("volumeAttachment") or {}).get("volumeId")
                if vid not in st.volumes:
                    return self.violation("compute", "volumeAttachment.volumeId missing or unknown")
                with LOCK:
                    v = st.volumes[vid]
                    if v["status"] != "available":
                        return self.fail("compute", 409, "volume %s status must be available" % vid)
                    v["status"] = "in-use"
                    v["attachments"] = [{"server_id": s["id"], "device": "/dev/vdb", "volume_id": vid,
                                         "attachment_id": str(uuid.uuid4())}]
                return self.send(200, {"volumeAttachment": {"id": vid, "volumeId": vid,
                                                            "serverId": s["id"], "device": "/dev/vdb"}})
            if len(r) == 4 and r[2] == "os-volume_attachments" and m == "DELETE":
                with LOCK:
                    v = st.volumes.get(r[3])
                    if v is None or not v.get("attachments"):
                        return self.fail("compute", 404, "volume %s is not attached" % r[3])
                    v["status"] = "available"
                    v["attachments"] = []
                return self.send(202)
        if r == ["flavors", "detail"]:
            sel = self.page("compute", q, [f["id"] for f in st.flavors], None)
            if sel is None:
                return
            return self.send(200, {"flavors": [f for f in st.flavors if f["id"] in sel]})
        if r[:1] == ["flavors"] and len(r) == 2:
            for f in st.flavors:
                if f["id"] == r[1]:
                    return self.send(200, {"flavor": f})
            return self.fail("compute", 404, "Flavor %s could not be found." % r[1])
        if r == ["os-hypervisors", "detail"]:
            sel = self.page("compute", q, [h["id"] for h in st.hypervisors], None)
            if sel is None:
                return
            return self.send(200, {"hypervisors": [h for h in st.hypervisors if h["id"] in sel]})
        if r == ["os-keypairs"]:
            return self.send(200, {"keypairs": st.keypairs})
        if r == ["os-server-groups"]:
            return self.send(200, {"server_groups": st.server_groups})
        if r == ["os-availability-zone"] or r == ["os-availability-zone", "detail"]:
            return self.send(200, {"availabilityZoneInfo": st.azs})
        return self.fail("compute", 404, "not found")

    def advance(self, s):
        """Builds and reboots advance one step per poll (LOCK held)."""
        if s.get("_polls", 0) > 0:
            s["_polls"] -= 1
            s["progress"] = 50
            if s["_polls"] == 0:
                s["status"] = s.pop("_final", "ACTIVE")
                s["OS-EXT-STS:vm_state"] = s["status"].lower()
                s["OS-EXT-STS:task_state"] = None
                s["progress"] = 100
                if "_fault" in s:
                    s["fault"] = s.pop("_fault")
                    s["progress"] = 0
            self.st.touch(s)

    ACTIONS = {"os-start", "os-stop", "reboot", "rebuild", "resize", "confirmResize", "revertResize",
               "createImage", "migrate", "os-migrateLive", "evacuate", "lock", "unlock", "suspend",
               "resume", "addSecurityGroup", "removeSecurityGroup", "os-getConsoleOutput"}
    # actions that take no argument: the body must be {"act": null}
    NULL_ARG = {"os-start", "os-stop", "confirmResize", "revertResize", "unlock", "suspend", "resume"}
    # how Nova names them in os-instance-actions
    ACTION_NAMES = {"os-start": "start", "os-stop": "stop", "confirmResize": "confirmResize",
                    "revertResize": "revertResize", "os-migrateLive": "live-migration",
                    "createImage": "createImage"}

    def check_create(self, doc, s):
        """Why the create body is malformed, or None (shapes as Nova's schema has them)."""
        st = self.st
        nets = s["networks"]
        if isinstance(nets, str):
            if nets not in ("auto", "none"):
                return "networks string must be auto or none, got %r" % nets
        elif not isinstance(nets, list) or not nets:
            return "networks must be auto, none or a non-empty list"
        else:
            for n in nets:
                if not isinstance(n, dict) or len(n) != 1 or not set(n) <= {"uuid", "port"}:
                    return "networks item must be {uuid} or {port}: %r" % (n,)
                if "uuid" in n and not any(x["id"] == n["uuid"] for x in st.networks):
                    return "networks uuid %r is not a network id (a name was sent?)" % n["uuid"]
        if "block_device_mapping_v2" in s:
            bdm = s["block_device_mapping_v2"]
            if not isinstance(bdm, list) or not bdm or not all(
                    isinstance(b, dict) and b.get("source_type") in ("volume", "image", "snapshot", "blank")
                    and b.get("destination_type") in ("volume", "local") and "boot_index" in b for b in bdm):
                return "block_device_mapping_v2 malformed: %r" % (bdm,)
            if s.get("imageRef") not in (None, ""):
                return "boot from volume with an imageRef"
        if "user_data" in s:
            import base64, binascii
            try:
                base64.b64decode(s["user_data"], validate=True)
            except (binascii.Error, ValueError, TypeError):
                return "user_data is not base64"
        if "min_count" in s or "max_count" in s:
            lo, hi = s.get("min_count", 1), s.get("max_count", 1)
            if not isinstance(lo, int) or not isinstance(hi, int) or lo < 1 or hi < lo:
                return "min_count/max_count must be integers 1 <= min <= max"
        if "security_groups" in s:
            sgs = s["security_groups"]
            if not isinstance(sgs, list) or not all(isinstance(g, dict) and set(g) == {"name"} for g in sgs):
                return "security_groups must be a list of {name}"
        if "key_name" in s and not isinstance(s["key_name"], str):
            return "key_name must be a string"
        if "availability_zone" in s and not isinstance(s["availability_zone"], str):
            return "availability_zone must be a string"
        hints = doc.get("os:scheduler_hints")
        if hints is not None:
            g = hints.get("group") if isinstance(hints, dict) else None
            if not any(x["id"] == g for x in st.server_groups):
                return "os:scheduler_hints.group must be a server group uuid, got %r" % (g,)
        unknown = set(s) - {"name", "flavorRef", "imageRef", "networks", "block_device_mapping_v2",
                            "user_data", "min_count", "max_count", "return_reservation_id",
                            "security_groups", "key_name",
                            "availability_zone", "metadata", "description"}
        if unknown:
            return "unknown server keys %r" % sorted(unknown)
        return None

    def action_rec(self, s, name, message=None):
        t = time.strftime("%Y-%m-%dT%H:%M:%S.000000", time.gmtime())
        return {"action": name, "instance_uuid": s["id"], "message": message,
                "project_id": PROJECT, "request_id": "req-" + str(uuid.uuid4()),
                "start_time": t, "updated_at": t, "user_id": "admin"}

    def instance_actions(self, s, q, mv):
        limit = q.get("limit", [None])[0]
        if limit is not None and (not limit.isdigit() or int(limit) < 1):
            return self.violation("compute", "bad limit %r" % limit)
        if limit is not None and mv < (2, 58):
            return self.violation("compute", "limit on os-instance-actions needs 2.58")
        with LOCK:
            acts = list(reversed(s.get("_actions", [])))
            for a in self.st.action_tpl:       # the upstream sample's history, oldest last
                a = dict(a)
                a["instance_uuid"] = s["id"]
                acts.append(a)
        if limit is not None:
            acts = acts[:int(limit)]
        return self.send(200, {"instanceActions": acts})

    def console_output(self, s, arg):
        if not isinstance(arg, dict) or set(arg) - {"length"}:
            return self.violation("compute", "os-getConsoleOutput takes {length}: %r" % (arg,))
        n = arg.get("length")
        if n is not None and (not isinstance(n, int) or isinstance(n, bool) or n < -1):
            return self.violation("compute", "os-getConsoleOutput.length must be an integer: %r" % (n,))
        lines = self.st.console_tpl.split("\n") + ["boot line %d" % i for i in range(1, 101)] + \
            ["\x1b]0;owned\x07\x1b[2Jlogin: " + s["name"]]
        if n is not None and n >= 0:
            lines = lines[-n:] if n > 0 else []
        return self.send(200, {"output": "\n".join(lines)})

    def server_action(self, s, doc):
        if doc is False:
            return
        if not isinstance(doc, dict) or len(doc) != 1 or next(iter(doc)) not in self.ACTIONS:
            return self.violation("compute", "unknown server action body %r" % (doc,))
        act, arg = next(iter(doc.items()))
        st = self.st
        if act in self.NULL_ARG and arg is not None:
            return self.violation("compute", "%s takes null, got %r" % (act, arg))
        if act == "os-getConsoleOutput":
            return self.console_output(s, arg)
        if act == "rebuild" and (not isinstance(arg, dict) or not isinstance(arg.get("imageRef"), str)
                                 or arg["imageRef"] not in set(st.images) | {(s.get("image") or {}).get("id")}):
            return self.violation("compute", "rebuild.imageRef must be an image id: %r" % (arg,))
        if act == "migrate" and arg is not None and (not isinstance(arg, dict) or set(arg) - {"host"}):
            return self.violation("compute", "migrate takes null or {host} (2.56): %r" % (arg,))
        if act == "os-migrateLive" and (not isinstance(arg, dict) or "host" not in arg
                                        or arg.get("block_migration") not in ("auto", True, False)
                                        or set(arg) - {"host", "block_migration", "force"}):
            return self.violation("compute", "os-migrateLive needs host (null allowed) and "
                                  "block_migration auto|true|false: %r" % (arg,))
        if act == "evacuate" and (not isinstance(arg, dict) or set(arg) - {"host", "adminPass", "targetState"}):
            return self.violation("compute", "evacuate takes {host?, adminPass?} (2.14+): %r" % (arg,))
        if act == "lock" and arg is not None and (not isinstance(arg, dict) or set(arg) - {"locked_reason"}):
            return self.violation("compute", "lock takes null or {locked_reason}: %r" % (arg,))
        with LOCK:
            status = s["status"]
            if act == "os-start":
                if status != "SHUTOFF":
                    return self.fail("compute", 409, "Cannot 'start' instance %s while it is in vm_state %s"
                                     % (s["id"], s["OS-EXT-STS:vm_state"]))
                s.update({"OS-EXT-STS:task_state": "powering-on", "_polls": 1, "_final": "ACTIVE"})
            elif act == "os-stop":
                if status != "ACTIVE":
                    return self.fail("compute", 409, "Cannot 'stop' instance %s while it is in vm_state %s"
                                     % (s["id"], s["OS-EXT-STS:vm_state"]))
                s.update({"OS-EXT-STS:task_state": "powering-off", "_polls": 1, "_final": "SHUTOFF"})
            elif act == "reboot":
                if not isinstance(arg, dict) or arg.get("type") not in ("SOFT", "HARD"):
                    return self.violation("compute", "reboot.type must be SOFT or HARD")
                s.update({"status": "REBOOT" if arg["type"] == "SOFT" else "HARD_REBOOT",
                          "OS-EXT-STS:task_state": "rebooting", "_polls": 2, "_final": "ACTIVE"})
            elif act == "resize":
                if not isinstance(arg, dict) or "flavorRef" not in arg:
                    return self.violation("compute", "resize.flavorRef missing")
                s.update({"status": "RESIZE", "OS-EXT-STS:task_state": "resize_migrating",
                          "_polls": 2, "_final": "VERIFY_RESIZE"})
                s["flavor"]["original_name"] = next((f["name"] for f in st.flavors if f["id"] == arg["flavorRef"]), "?")
            elif act in ("confirmResize", "revertResize"):
                if status != "VERIFY_RESIZE":
                    return self.fail("compute", 409, "Instance has not been resized.")
                s.update({"status": "ACTIVE"})
            elif act in ("lock", "unlock"):
                s["locked"] = act == "lock"
            elif act == "createImage":
                if not isinstance(arg, dict) or not arg.get("name"):
                    return self.violation("compute", "createImage.name missing")
                iid = str(uuid.uuid4())
                img = copy.deepcopy(next(iter(st.images.values())))
                img.update({"id": iid, "name": arg["name"], "status": "active"})
                st.images[iid] = img
                s.setdefault("_actions", []).append(self.action_rec(s, "createImage"))
                st.touch(s)
                return self.send(202, {"image_id": iid})
            elif act in ("addSecurityGroup", "removeSecurityGroup"):
                if not isinstance(arg, dict) or not arg.get("name"):
                    return self.violation("compute", act + ".name missing")
                groups = s.setdefault("security_groups", [])
                if act == "addSecurityGroup":
                    groups.append({"name": arg["name"]})
                else:
                    s["security_groups"] = [g for g in groups if g["name"] != arg["name"]]
            else:
                final = "ACTIVE"
                if act == "migrate":
                    final = "VERIFY_RESIZE"
                if act in ("migrate", "os-migrateLive", "evacuate"):
                    host = (arg or {}).get("host") or ("host2" if s.get("OS-EXT-SRV-ATTR:host") != "host2" else "host1")
                    s["OS-EXT-SRV-ATTR:host"] = host
                    s["OS-EXT-SRV-ATTR:hypervisor_hostname"] = host
                if act == "rebuild":
                    s["image"] = {"id": arg["imageRef"], "links": []}
                s.update({"OS-EXT-STS:task_state": act.lower(), "_polls": 1, "_final": final})
            # accepted: Nova records it in the instance's action history
            s.setdefault("_actions", []).append(self.action_rec(s, self.ACTION_NAMES.get(act, act)))
            st.touch(s)
        if act == "evacuate":
            return self.send(200, {} if arg.get("adminPass") is None else {"adminPass": arg["adminPass"]})
        self.send(202)

    # ---- Cinder
    def volume(self, rest, q):
        st = self.st
        if rest == ["v3"] or rest == ["v3", ""]:
            doc = load(st.fx, "cinder/versions-response.json")
            for v in doc["versions"]:
                if v["id"] == "v3.0":
                    v["version"] = CINDER_MAX
            return self.send(200, doc, service="volume")
        if rest[:2] != ["v3", PROJECT]:
            return self.fail("volume", 404, "not found")
        if not self.check_mv("volume", "volume"):
            return
        r, m = rest[2:], self.command
        if r == ["volumes", "detail"]:
            sel = self.page("volume", q, list(st.volumes), None)
            if sel is None:
                return
            return self.send(200, {"volumes": [st.volumes[i] for i in sel]}, service="volume")
        if r == ["snapshots", "detail"]:
            sel = self.page("volume", q, list(st.snapshots), None)
            if sel is None:
                return
            return self.send(200, {"snapshots": [st.snapshots[i] for i in sel]}, service="volume")
        if r == ["volumes"] and m == "POST":
            doc = self.json_body("volume")
            if doc is False:
                return
            v = (doc or {}).get("volume")
            if not isinstance(v, dict) or not isinstance(v.get("size"), int):
                return self.violation("volume", "volume create needs volume.size (integer)")
            if v.get("snapshot_id") and v["snapshot_id"] not in st.snapshots:
                return self.fail("volume", 404, "Snapshot %s could not be found." % v["snapshot_id"])
            with LOCK:
                n = copy.deepcopy(next(iter(st.volumes.values())))
                n.update({"id": str(uuid.uuid4()), "name": v.get("name"), "size": v["size"],
                          "status": "available", "attachments": [], "snapshot_id": v.get("snapshot_id"),
                          "created_at": now_iso()})
                if v.get("imageRef"):
                    n["volume_image_metadata"] = {"image_id": v["imageRef"]}
                    n["bootable"] = "true"
                st.volumes[n["id"]] = n
            return self.send(202, {"volume": n}, service="volume")
        if r == ["snapshots"] and m == "POST":
            doc = self.json_body("volume")
            if doc is False:
                return
            s = (doc or {}).get("snapshot")
            if not isinstance(s, dict) or s.get("volume_id") not in st.volumes:
                return self.violation("volume", "snapshot create needs an existing snapshot.volume_id")
            with LOCK:
                n = copy.deepcopy(next(iter(st.snapshots.values())))
                n.update({"id": str(uuid.uuid4()), "name": s.get("name"), "volume_id": s["volume_id"],
                          "status": "available", "size": st.volumes[s["volume_id"]]["size"]})
                st.snapshots[n["id"]] = n
            return self.send(202, {"snapshot": n}, service="volume")
        if len(r) >= 2 and r[0] in ("volumes", "snapshots"):
            coll = st.volumes if r[0] == "volumes" else st.snapshots
            o = coll.get(r[1])
            if o is None:
                return self.fail("volume", 404, "%s %s could not be found." % (r[0][:-1].capitalize(), r[1]))
            if len(r) == 2 and m == "GET":
                return self.send(200, {r[0][:-1]: o}, service="volume")
            if len(r) == 2 and m == "DELETE":
                if r[0] == "volumes" and o["status"] == "in-use":
                    return self.fail("volume", 400, "Invalid volume: Volume status must be available or error")
                with LOCK:
                    del coll[r[1]]
                return self.send(202, service="volume")
            if r[2:] == ["action"] and m == "POST" and r[0] == "volumes":
                doc = self.json_body("volume")
                if doc is False:
                    return
                if isinstance(doc, dict) and "os-extend" in doc:
                    ns = (doc["os-extend"] or {}).get("new_size")
                    if not isinstance(ns, int):
                        return self.violation("volume", "os-extend.new_size must be an integer")
                    if ns <= o["size"]:
                        return self.fail("volume", 400, "Invalid input received: New size for extend must be greater than current size. (current: %d, extended: %d)." % (o["size"], ns))
                    o["size"] = ns
                    return self.send(202, service="volume")
                if isinstance(doc, dict) and "revert" in doc:
                    sid = (doc["revert"] or {}).get("snapshot_id")
                    if sid not in st.snapshots:
                        return self.fail("volume", 404, "Snapshot %s could not be found." % sid)
                    return self.send(202, service="volume")
                return self.violation("volume", "unknown volume action %r" % (doc,))
        return self.fail("volume", 404, "not found")

    # ---- Neutron ports and floating IPs
    def neutron_list(self, q, coll, key):
        """A paged Neutron listing: racktop always pages (limit, then limit+marker); a
        filter (device_id=) may come without."""
        filters = {k: v[0] for k, v in q.items() if k not in ("limit", "marker")}
        if "limit" not in q and not filters:
            return self.violation("network", "%s listed without limit" % key)
        if "marker" in q and "limit" not in q:
            return self.violation("network", "marker without limit")
        unknown = set(filters) - {"device_id", "network_id", "port_id", "floating_ip_address", "name"}
        if unknown:
            return self.violation("network", "unexpected filters %s" % sorted(unknown))
        ids = [i for i in coll if all(coll[i].get(k) == v for k, v in filters.items())]
        sel = self.page("network", q, ids, None)
        if sel is None:
            return
        items = [coll[i] for i in sel]
        if key == "floatingips":
            items = [self.fip_out(f) for f in items]
        return self.send(200, {key: items}, service="network")

    def fip_out(self, f):
        """A floating IP as this Neutron shows it: without the fip-port-details extension
        there is no port_details key at all."""
        if self.st.port_details:
            return f
        return {k: v for k, v in f.items() if k != "port_details"}

    def fip_doc(self, service):
        doc = self.json_body(service)
        if doc is False:
            return False
        f = (doc or {}).get("floatingip") if isinstance(doc, dict) else None
        if not isinstance(f, dict):
            self.violation(service, "body is not {\"floatingip\": {...}}")
            return False
        return f

    def associate(self, f, port_id):
        st = self.st
        if port_id is None:
            f.update({"port_id": None, "fixed_ip_address": None, "port_details": None,
                      "status": "DOWN", "router_id": None})
            return True
        p = st.ports.get(port_id)
        if p is None:
            self.fail("network", 404, "Port %s could not be found." % port_id)
            return False
        for o in st.fips.values():
            if o is not f and o.get("port_id") == port_id:
                self.fail("network", 409, "Cannot associate floating IP %s (%s) with port %s using fixed IP %s, "
                          "as that fixed IP already has a floating IP on external network %s."
                          % (f["floating_ip_address"], f["id"], port_id, p["fixed_ips"][0]["ip_address"],
                             f["floating_network_id"]))
                return False
        f.update({"port_id": port_id, "fixed_ip_address": p["fixed_ips"][0]["ip_address"],
                  "status": "ACTIVE", "router_id": "d23abc8d-2991-4a55-ba98-2aaea84cc72f",
                  "port_details": {k: p.get(k) for k in ("status", "name", "admin_state_up", "network_id",
                                                         "device_owner", "mac_address", "device_id")}})
        return True

    def ports_fips(self, r, m, q):
        st = self.st
        if r == ["v2.0", "ports"] and m == "GET":
            return self.neutron_list(q, st.ports, "ports")
        if len(r) == 3 and r[1] == "ports":
            p = st.ports.get(r[2])
            if p is None:
                return self.fail("network", 404, "Port %s could not be found." % r[2])
            if m == "GET":
                return self.send(200, {"port": p}, service="network")
            if m == "DELETE":
                if self.body():
                    return self.violation("network", "DELETE with a body")
                with LOCK:
                    del st.ports[r[2]]
                    for f in st.fips.values():
                        if f.get("port_id") == r[2]:
                            self.associate(f, None)
                return self.send(204, service="network")
        if r == ["v2.0", "floatingips"] and m == "GET":
            return self.neutron_list(q, st.fips, "floatingips")
        if r == ["v2.0", "floatingips"] and m == "POST":
            f = self.fip_doc("network")
            if f is False:
                return
            allowed = {"floating_network_id", "floating_ip_address", "description", "port_id",
                       "fixed_ip_address", "subnet_id", "dns_name", "dns_domain", "qos_policy_id"}
            if set(f) - allowed:
                return self.violation("network", "unknown floatingip keys %s" % sorted(set(f) - allowed))
            nid = f.get("floating_network_id")
            if not isinstance(nid, str):
                return self.violation("network", "floatingip.floating_network_id missing")
            net = next((n for n in st.networks if n["id"] == nid), None)
            if net is None:
                return self.fail("network", 404, "Network %s could not be found." % nid)
            if not net.get("router:external"):
                return self.fail("network", 400, "Bad floatingip request: Network %s is not a valid external network." % nid)
            with LOCK:
                addr = f.get("floating_ip_address")
                if addr is None:
                    st.fip_pool += 1
                    addr = "172.24.4.%d" % st.fip_pool
                elif any(o["floating_ip_address"] == addr for o in st.fips.values()):
                    return self.fail("network", 409, "IP address %s already allocated in subnet "
                                     "278d9507-36e7-403c-bb80-1d7093318fe6" % addr)
                n = {"id": str(uuid.uuid4()), "floating_ip_address": addr, "floating_network_id": nid,
                     "description": f.get("description", ""), "project_id": PROJECT, "tenant_id": PROJECT,
                     "created_at": now_iso(), "updated_at": now_iso(), "revision_number": 0,
                     "tags": [], "port_forwardings": [], "dns_name": "", "dns_domain": ""}
                self.associate(n, None)
                st.fips[n["id"]] = n
            return self.send(201, {"floatingip": self.fip_out(n)}, service="network")
        if len(r) == 3 and r[1] == "floatingips":
            f = st.fips.get(r[2])
            if f is None:
                return self.fail("network", 404, "Floating IP %s could not be found" % r[2])
            if m == "GET":
                return self.send(200, {"floatingip": self.fip_out(f)}, service="network")
            if m == "PUT":
                u = self.fip_doc("network")
                if u is False:
                    return
                if "port_id" not in u or set(u) - {"port_id", "fixed_ip_address", "description"}:
                    return self.violation("network", "floatingip update needs port_id (and no other keys)")
                if u["port_id"] is not None and not isinstance(u["port_id"], str):
                    return self.violation("network", "floatingip.port_id is neither a string nor null")
                with LOCK:
                    if not self.associate(f, u["port_id"]):
                        return
                    f["updated_at"] = now_iso()
                    f["revision_number"] = f.get("revision_number", 0) + 1
                return self.send(200, {"floatingip": self.fip_out(f)}, service="network")
            if m == "DELETE":
                if self.body():
                    return self.violation("network", "DELETE with a body")
                with LOCK:
                    del st.fips[r[2]]
                return self.send(204, service="network")
        return "no route"

    # ---- Neutron
    def network(self, rest, q):
        st = self.st
        r, m = rest, self.command
        if len(r) >= 2 and r[1] in ("ports", "floatingips"):
            if self.ports_fips(r, m, q) == "no route":
                return self.fail("network", 404, "not found")
            return
        if r == ["v2.0", "networks"] and m == "GET":
            # paged like ports (limit, marker); ?name= (resolving a pool or a server
            # create's network by name) may come without
            return self.neutron_list(q, {n["id"]: n for n in st.networks}, "networks")
        if len(r) == 3 and r[:2] == ["v2.0", "networks"] and m == "GET":
            for n in st.networks:
                if n["id"] == r[2]:
                    return self.send(200, {"network": n}, service="network")
            return self.fail("network", 404, "Network %s could not be found." % r[2])
        if r == ["v2.0", "security-groups"] and m == "GET":
            sel = self.page("network", q, list(st.sgs), None)
            if sel is None:
                return
            return self.send(200, {"security_groups": [st.sgs[i] for i in sel]}, service="network")
        if r == ["v2.0", "security-groups"] and m == "POST":
            doc = self.json_body("network")
            if doc is False:
                return
            g = (doc or {}).get("security_group")
            if not isinstance(g, dict) or not g.get("name"):
                return self.violation("network", "security_group.name missing")
            n = {"id": str(uuid.uuid4()), "name": g["name"], "description": g.get("description", ""),
                 "security_group_rules": [], "project_id": PROJECT, "created_at": now_iso(), "updated_at": now_iso()}
            with LOCK:
                st.sgs[n["id"]] = n
            return self.send(201, {"security_group": n}, service="network")
        if len(r) == 3 and r[1] == "security-groups":
            g = st.sgs.get(r[2])
            if g is None:
                return self.fail("network", 404, "Security group %s could not be found." % r[2])
            if m == "GET":
                return self.send(200, {"security_group": g}, service="network")
            if m == "DELETE":
                with LOCK:
                    del st.sgs[r[2]]
                return self.send(204, service="network")
        if r == ["v2.0", "security-group-rules"] and m == "POST":
            doc = self.json_body("network")
            if doc is False:
                return
            ru = (doc or {}).get("security_group_rule")
            if not isinstance(ru, dict) or ru.get("direction") not in ("ingress", "egress") \
                    or ru.get("ethertype") not in ("IPv4", "IPv6") or ru.get("security_group_id") not in st.sgs:
                return self.violation("network", "security_group_rule needs direction, ethertype and an existing security_group_id")
            if ("port_range_min" in ru) and not ru.get("protocol"):
                return self.violation("network", "port range without a protocol")
            g = st.sgs[ru["security_group_id"]]
            for x in g["security_group_rules"]:
                if all(x.get(k) == ru.get(k) for k in ("direction", "ethertype", "protocol", "port_range_min",
                                                          "port_range_max", "remote_ip_prefix")):
                    return self.fail("network", 409, "Security group rule already exists. Rule id is %s." % x["id"])
            n = dict({"port_range_min": None, "port_range_max": None, "protocol": None,
                      "remote_ip_prefix": None, "remote_group_id": None}, **ru)
            n["id"] = str(uuid.uuid4())
            with LOCK:
                g["security_group_rules"].append(n)
            return self.send(201, {"security_group_rule": n}, service="network")
        if len(r) == 3 and r[1] == "security-group-rules" and m == "DELETE":
            with LOCK:
                for g in st.sgs.values():
                    for x in g["security_group_rules"]:
                        if x["id"] == r[2]:
                            g["security_group_rules"].remove(x)
                            return self.send(204, service="network")
            return self.fail("network", 404, "Security group rule %s could not be found." % r[2])
        return self.fail("network", 404, "not found")

    # ---- Glance
    def image(self, rest, q):
        st = self.st
        if rest == ["v2", "images"]:
            sel = self.page("image", q, list(st.images), None)
            if sel is None:
                return
            name = q.get("name", [None])[0]
            out = [st.images[i] for i in sel if name is None or st.images[i]["name"] == name]
            return self.send(200, {"images": out, "schema": "/v2/schemas/images", "first": "/v2/images"}, service="image")
        if len(rest) == 3 and rest[:2] == ["v2", "images"]:
            img = st.images.get(rest[2])
            if img is None:
                return self.fail("image", 404, "No image found with ID %s" % rest[2])
            return self.send(200, img, service="image")
        return self.fail("image", 404, "not found")


class Server(socketserver.ThreadingMixIn, HTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--fixtures", required=True, help="the shared openstack/ samples folder")
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--port-file")
    ap.add_argument("--servers", type=int, default=3)
    ap.add_argument("--user", default="admin")
    ap.add_argument("--password", default="secret")
    ap.add_argument("--token-ttl", type=int, default=3600)
    a = ap.parse_args()
    Handler.st = State(a.fixtures, a.servers, a.user, a.password, a.token_ttl)
    srv = Server(("127.0.0.1", a.port), Handler)
    Handler.base = "http://127.0.0.1:%d" % srv.server_address[1]
    if a.port_file:
        with open(a.port_file + ".tmp", "w") as f:
            f.write(str(srv.server_address[1]))
        os.rename(a.port_file + ".tmp", a.port_file)
    srv.serve_forever()


if __name__ == "__main__":
    main()
