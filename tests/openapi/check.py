# SPDX-License-Identifier: ISC
"""docs/openapi.yaml against nginx.conf.sample and the running stack.

Every path and method of nginx.conf.sample's canonical locations (not a
seed's, not commented out) is documented, and every documented one is
served; every $ref resolves and every schema is valid JSON Schema; and
the answers of a short walk through the API (a connection made through
the sandbox, read, settings, a refresh refused, a publish job, errors,
Meta's webhooks) validate against the schema documented for their path,
method and status.  Prints "ok NAME" / "FAIL NAME" lines and
"N passed, N failed".  Run by t_openapi.sh with the stack's environment.
"""
import hashlib
import hmac
import json
import os
import re
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

import jsonschema
import yaml

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
BASE = os.environ["IGCONNECT_BASE_URL"]
METHODS = ("get", "head", "post", "put", "patch", "delete", "options")
passed = failed = 0


def check(name, ok, why=""):
    global passed, failed
    if ok:
        passed += 1
    else:
        failed += 1
    print(("ok " if ok else "FAIL ") + name + ("" if ok or not why else ": " + why))
    return ok


# ------------------------------------------------------ the document

with open(os.path.join(ROOT, "docs", "openapi.yaml"), encoding="utf-8") as f:
    DOC = yaml.safe_load(f)


def resolve(node):
    """node, or what its $ref names in DOC (refs of the same document only)."""
    while isinstance(node, dict) and "$ref" in node and len(node) == 1:
        target = DOC
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        node = target
    return node


def refs(node):
    if isinstance(node, dict):
        if isinstance(node.get("$ref"), str):
            yield node["$ref"]
        for v in node.values():
            yield from refs(v)
    elif isinstance(node, list):
        for v in node:
            yield from refs(v)


def ref_ok(ref):
    try:
        resolve({"$ref": ref})
        return ref.startswith("#/components/")
    except (KeyError, TypeError):
        return False


def validator(schema):
    """A validator of schema whose $refs point into DOC's components."""
    return jsonschema.Draft202012Validator({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "components": DOC["components"], "allOf": [schema]})


def document_checks():
    check("openapi.yaml is OpenAPI 3.1", str(DOC.get("openapi", "")).startswith("3.1."))
    bad = sorted({r for r in refs(DOC) if not ref_ok(r)})
    check("every $ref resolves", not bad, ", ".join(bad))
    broken = []
    for name, schema in DOC["components"]["schemas"].items():
        try:
            jsonschema.Draft202012Validator.check_schema(schema)
        except jsonschema.SchemaError as e:
            broken.append(f"{name}: {e.message}")
    check("every schema is valid JSON Schema 2020-12", not broken, "; ".join(broken))
    scheme = DOC["components"]["securitySchemes"].get("bearerJwt", {})
    check("the bearer JWT security scheme, required by default",
          scheme.get("scheme") == "bearer" and scheme.get("bearerFormat") == "JWT"
          and DOC.get("security") == [{"bearerJwt": []}])


# ------------------------------------------------ nginx.conf.sample

LOCATION = re.compile(r'^\s*location\s+(=|~|\^~)?\s*("[^"]+"|\S+)\s*\{')
ALLOW = re.compile(r'^\s*set\s+\$igc_allow\s+"([^"]*)";')
COMPAT = re.compile(r'^\s*set\s+\$igc_compat\s+"[^"]+";')


def uncommented(line):
    """line without its comment ("#" outside quotes)."""
    quote = None
    for i, c in enumerate(line):
        if quote:
            quote = None if c == quote else quote
        elif c in "'\"":
            quote = c
        elif c == "#":
            return line[:i]
    return line


def nginx_endpoints():
    """{(modifier, path): set of methods} of the endpoint locations.

    A seed's locations are commented out in the sample, and one that sets
    $igc_compat is a compatibility route: neither is the canonical API.
    OPTIONS is a CORS preflight's, not an operation of the API.
    """
    found, compat, stack, depth = {}, set(), [], 0
    with open(os.path.join(ROOT, "nginx.conf.sample"), encoding="utf-8") as f:
        for raw in f:
            line = uncommented(raw)
            m = LOCATION.match(line)
            a = ALLOW.match(line)
            if a and stack:
                found[stack[-1][1]] = {x.strip().lower() for x in a.group(1).split(",")}
            if COMPAT.match(line) and stack:
                compat.add(stack[-1][1])
            quote = None
            for c in line:
                if quote:
                    quote = None if c == quote else quote
                elif c in "'\"":
                    quote = c
                elif c == "{":
                    depth += 1
                    if m:
                        stack.append((depth, (m.group(1) or "", m.group(2).strip('"'))))
                        m = None
                elif c == "}":
                    if stack and stack[-1][0] == depth:
                        stack.pop()
                    depth -= 1
    return {loc: methods - {"options"} for loc, methods in found.items()
            if loc[0] in ("=", "~") and loc not in compat
            and not loc[1].startswith("/_igconnect/")}


def example_path(path, item):
    """path with each {param} replaced by its documented example."""
    for p in item.get("parameters", []):
        p = resolve(p)
        if p["in"] == "path":
            path = path.replace("{%s}" % p["name"], str(p["schema"]["example"]))
    return path


def serves(loc, path):
    mod, where = loc
    return path == where if mod == "=" else re.search(where, path) is not None


def route_checks():
    locations = nginx_endpoints()
    check("nginx.conf.sample has endpoint locations", len(locations) >= 10,
          str(sorted(locations)))
    documented = {}
    for path, item in DOC["paths"].items():
        methods = {m for m in item if m in METHODS}
        matches = [loc for loc in locations if serves(loc, example_path(path, item))]
        if check(f"{path}: served by one nginx location", len(matches) == 1,
                 str(matches)):
            documented[matches[0]] = (path, methods)
    for loc, methods in sorted(locations.items()):
        path, doc_methods = documented.get(loc, (loc[1], set()))
        check(f"{path}: methods {', '.join(sorted(methods))} documented, no other",
              methods == doc_methods, f"documented: {sorted(doc_methods)}")


# ------------------------------------------------------ the walk

class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args):
        return None


OPENER = urllib.request.build_opener(NoRedirect)


def call(method, path, token=None, body=None, form=None, headers=None):
    """(status, headers, body bytes) of one request to the stack (or a URL)."""
    url = path if path.startswith("http") else BASE + path
    h = dict(headers or {})
    data = None
    if token:
        h["Authorization"] = "Bearer " + token
    if body is not None:
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        h.setdefault("Content-Type", "application/json")
    if form is not None:
        data = urllib.parse.urlencode(form).encode()
        h["Content-Type"] = "application/x-www-form-urlencoded"
    req = urllib.request.Request(url, data=data, method=method, headers=h)
    try:
        with OPENER.open(req, timeout=30) as r:
            return r.status, r.headers, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read()


def operation_for(path):
    """The documented path template that concrete path is, or None."""
    for template in DOC["paths"]:
        pattern = "^" + re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(template)) + "$"
        if re.match(pattern, path):
            return template
    return None


def answer(name, method, path, want, **kw):
    """Calls; one check that the status is "want", documented for the
    path and method, and the answer valid against its schema (an error's
    request_id its X-Request-Id).  The parsed body (or text), or None."""
    status, headers, raw = call(method, path, **kw)
    template = operation_for(urllib.parse.urlsplit(path).path)
    op = DOC["paths"].get(template, {}).get(method.lower())
    if op is None:
        # A method no path has: nginx's 405.
        op = {"responses": {"405": {"$ref": "#/components/responses/MethodNotAllowed"}}}
    doc = resolve(op["responses"].get(str(status))) or {}
    ctype = headers.get("Content-Type", "").split(";")[0]
    media = (doc.get("content") or {}).get(ctype)
    body, why = None, []
    if status != want:
        why.append(f"wanted {want}: {raw[:300]!r}")
    elif media is None:
        why.append(f"{status} {ctype} is not documented")
    elif ctype != "application/json":
        body = raw.decode()
    else:
        body = json.loads(raw)
        why = [f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
               for e in validator(media["schema"]).iter_errors(body)][:3]
        if status >= 400 and body.get("request_id") != headers.get("X-Request-Id"):
            why.append("request_id is not X-Request-Id")
    check(f"{name}: {method} {template} {status} as documented", not why,
          "; ".join(why))
    return None if why else body


def jwt(sub):
    enc = lambda b: __import__("base64").urlsafe_b64encode(b).rstrip(b"=")
    now = int(time.time())
    claims = {"sub": sub, "iat": now, "exp": now + 300}
    head = enc(b'{"alg":"HS256","typ":"JWT"}') + b"." + enc(json.dumps(claims).encode())
    sig = hmac.new(os.environ["JWT_SECRET"].encode(), head, hashlib.sha256).digest()
    return (head + b"." + enc(sig)).decode()


def login(auth_url, knobs):
    """The query the sandbox's login page sends the browser back with."""
    status, headers, _ = call("GET", auth_url + "&" + knobs)
    query = urllib.parse.urlsplit(headers.get("Location", "")).query
    return dict(urllib.parse.parse_qsl(query))


def walk():
    user = jwt(f"openapi-{os.getpid()}")
    answer("health", "GET", "/healthz", 200)
    answer("no token", "GET", "/integrations", 401)
    answer("never connected", "GET", "/integrations", 200, token=user)
    answer("never connected", "GET", "/integrations/instagram", 404, token=user)
    answer("a bad flavor", "GET", "/oauth/instagram/url?flavor=x", 400, token=user)
    answer("another method", "PUT", "/integrations/instagram", 405, token=user)

    url = answer("authorize", "GET", "/oauth/instagram/url", 200, token=user)
    back = login(url["authUrl"], "fake_account=9&fake_consent=allow")
    answer("exchange", "POST", "/oauth/instagram/exchange", 200, token=user,
           body={"code": back.get("code", ""), "state": back.get("state", "")})
    answer("a spent state", "POST", "/oauth/instagram/exchange", 400, token=user,
           body={"code": back.get("code", ""), "state": back.get("state", "")})
    answer("read", "GET", "/integrations", 200, token=user)
    answer("read", "GET", "/integrations/instagram", 200, token=user)
    answer("settings", "PATCH", "/integrations/instagram/settings", 200, token=user,
           body={"toneOfVoice": "calm", "systemPrompt": None})
    answer("an unknown setting", "PATCH", "/integrations/instagram/settings", 400,
           token=user, body={"tone": "calm"})
    answer("refresh too early", "POST", "/integrations/instagram/refresh", 409,
           token=user)

    status, _, raw = call("POST", "/integrations/instagram/media", token=user,
                          body={"imageUrl": "https://cdn.example.com/openapi.jpg"})
    want = status if status in (201, 202) else 201
    job = answer("publish", "POST", "/integrations/instagram/media", want, token=user,
                 body={"imageUrl": "https://cdn.example.com/openapi.jpg",
                       "caption": "openapi"}) or {}
    jid = job.get("jobId", "none")
    answer("the job", "GET", f"/integrations/instagram/media/{jid}", 200, token=user)
    answer("the jobs", "GET", "/integrations/instagram/media?limit=1", 200, token=user)
    answer("a bad limit", "GET", "/integrations/instagram/media?limit=0", 400,
           token=user)
    answer("no such job", "GET",
           "/integrations/instagram/media/00000000-0000-0000-0000-000000000000", 404,
           token=user)
    answer("a bad post", "POST", "/integrations/instagram/media", 400, token=user,
           body={"imageUrl": "http://cdn.example.com/a.jpg"})
    answer("events", "GET", "/integrations/instagram/events?limit=5", 200,
           token=user)
    answer("a bad events limit", "GET", "/integrations/instagram/events?limit=0",
           400, token=user)
    answer("disconnect", "DELETE", "/integrations/instagram", 200, token=user)
    answer("refresh, disconnected", "POST", "/integrations/instagram/refresh", 404,
           token=user)

    other = jwt(f"openapi-{os.getpid()}-b")
    url = answer("authorize, Facebook", "GET", "/oauth/instagram/url?flavor=facebook",
                 200, token=other)
    back = login(url["authUrl"], "fake_pages=2&fake_linked=1,2&fake_consent=allow")
    choice = answer("two accounts", "POST", "/oauth/instagram/exchange", 409,
                    token=other, body={"code": back.get("code", ""),
                                       "state": back.get("state", "")}) or {}
    pick = (choice.get("candidates") or [{}])[0].get("pageId", "0")
    answer("the choice", "POST", "/oauth/instagram/exchange", 200, token=other,
           body={"selection": choice.get("selection", ""), "pageId": pick})
    url = answer("authorize", "GET", "/oauth/instagram/url", 200, token=other)
    back = login(url["authUrl"], "fake_consent=deny")
    answer("denied", "POST", "/oauth/instagram/exchange", 400, token=other,
           form=back)

    verify = os.environ["INSTAGRAM_WEBHOOK_VERIFY_TOKEN"]
    q = urllib.parse.urlencode({"hub.mode": "subscribe", "hub.verify_token": verify,
                                "hub.challenge": "c0ffee"})
    answer("webhook handshake", "GET", "/webhooks/instagram?" + q, 200)
    answer("webhook handshake refused", "GET",
           "/webhooks/instagram?hub.mode=subscribe&hub.verify_token=no&hub.challenge=1",
           403)
    delivery = json.dumps({"object": "instagram", "entry": [
        {"id": "0", "time": int(time.time()), "changes": [
            {"field": "comments", "value": {"text": f"openapi {os.getpid()}"}}]}]}).encode()
    sig = hmac.new(os.environ["INSTAGRAM_APP_SECRET"].encode(), delivery,
                   hashlib.sha256).hexdigest()
    answer("webhook delivery", "POST", "/webhooks/instagram", 200, body=delivery,
           headers={"X-Hub-Signature-256": "sha256=" + sig})
    answer("webhook delivery unsigned", "POST", "/webhooks/instagram", 403,
           body=delivery)
    answer("deauthorize unsigned", "POST", "/webhooks/instagram/deauthorize", 403,
           form={"signed_request": "x.y"})
    answer("deletion status unknown", "GET",
           "/webhooks/instagram/data-deletion?code=nope", 404)


document_checks()
route_checks()
walk()
print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
