"""mirror/server.py and `msbrief mirror serve`, checked with plain HTTP clients (requests, http.client)."""

from __future__ import annotations

import argparse
import base64
import gzip
import hashlib
import http.client
import json
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest
import requests
from mirror_fixture import FIXTURES, HTTPFAULTS

from commands import mirror as cmd_mirror
from mirror import DEFAULT_LAST_MODIFIED, MirrorError, MirrorServer, request_key, running_mirror

ROOT = Path(__file__).resolve().parent.parent
DATA = "/httpfaults/data.json"
PAGE = "/httpfaults/page.html"
IDENTITY = {"Accept-Encoding": "identity"}


def get(mirror: MirrorServer, path: str, **headers: str) -> requests.Response:
    return requests.get(mirror.base_url + path, headers=headers, timeout=5, allow_redirects=False)


def raw(mirror: MirrorServer, method: str, path: str, headers: dict[str, str] | None = None):
    """One request over http.client: the bytes as sent, no decoding. (response, body)"""
    conn = http.client.HTTPConnection("127.0.0.1", mirror.port, timeout=5)
    conn.request(method, path, headers=headers or {})
    response = conn.getresponse()
    body = response.read()
    conn.close()
    return response, body


def control(mirror: MirrorServer, method: str, route: str, payload: dict | None = None) -> requests.Response:
    return requests.request(method, f"{mirror.base_url}/__mirror/{route}", json=payload, timeout=5)


# -- serving recorded responses -----------------------------------------------------------------


def test_binds_to_loopback_only(mirror):
    assert mirror.base_url == f"http://127.0.0.1:{mirror.port}"
    assert mirror.address == ("127.0.0.1", mirror.port)
    assert mirror.url_for("httpfaults") == mirror.base_url + "/httpfaults"
    with pytest.raises(MirrorError, match="no mirror folder 'nope'"):
        mirror.url_for("nope")


def test_recorded_response_with_etag_and_last_modified(mirror):
    response, body = raw(mirror, "GET", DATA)
    expected = (HTTPFAULTS / "data.json").read_bytes()
    assert response.status == 200 and body == expected
    assert response.getheader("Content-Type") == "application/json"
    assert response.getheader("ETag") == '"' + hashlib.sha1(expected).hexdigest() + '"'
    assert response.getheader("Last-Modified") == DEFAULT_LAST_MODIFIED
    assert response.getheader("Content-Length") == str(len(expected))
    page, _ = raw(mirror, "GET", PAGE)
    assert page.getheader("Last-Modified") == "Thu, 10 Aug 2023 08:30:00 GMT"  # from the manifest
    assert page.getheader("Content-Type") == "text/html; charset=utf-8"


def test_query_parameters_match_in_any_order(mirror):
    for query in ("q=modern+slavery&page=2", "page=2&q=modern%20slavery"):
        response = get(mirror, f"/httpfaults/search.json?{query}")
        assert response.status_code == 200 and response.headers["X-Mirror-Test"] == "query"
    assert get(mirror, "/httpfaults/search.json?page=3&q=modern+slavery").status_code == 404
    assert request_key("/a?b=1&a=2") == request_key("/a?a=2&b=1")


def test_unknown_path_is_404_and_recorded_status_is_served(mirror):
    assert get(mirror, "/httpfaults/nothing").status_code == 404
    assert get(mirror, "/elsewhere/data.json").status_code == 404
    gone = get(mirror, "/httpfaults/gone")
    assert gone.status_code == 410 and gone.text == "This item has been withdrawn.\n"


def test_a_recorded_redirect_path_is_rebased_into_its_folder(mirror):
    response = get(mirror, "/httpfaults/moved")
    assert response.status_code == 301 and response.headers["Location"] == "/httpfaults/page.html"


@pytest.mark.parametrize("header, value, status", [
    ("If-None-Match", "ETAG", 304),
    ("If-None-Match", 'W/ETAG', 304),
    ("If-None-Match", '"other", ETAG', 304),
    ("If-None-Match", "*", 304),
    ("If-None-Match", '"other"', 200),
    ("If-Modified-Since", DEFAULT_LAST_MODIFIED, 304),
    ("If-Modified-Since", "Fri, 01 Mar 2024 00:00:00 GMT", 304),
    ("If-Modified-Since", "Wed, 09 Aug 2023 08:30:00 GMT", 200),
    ("If-Modified-Since", "not a date", 200),
])
def test_conditional_requests(mirror, header, value, status):
    etag = get(mirror, DATA).headers["ETag"]
    response, body = raw(mirror, "GET", DATA, {header: value.replace("ETAG", etag)})
    assert response.status == status
    if status == 304:
        assert body == b"" and response.getheader("ETag") == etag
        assert mirror.log[-1].bytes == 0 and mirror.log[-1].conditional


def test_if_none_match_takes_precedence_over_if_modified_since(mirror):
    response = get(mirror, DATA, **{"If-None-Match": '"stale"', "If-Modified-Since": DEFAULT_LAST_MODIFIED})
    assert response.status_code == 200


def test_head_sends_the_get_headers_without_a_body(mirror):
    head, body = raw(mirror, "HEAD", DATA, IDENTITY)
    got, full = raw(mirror, "GET", DATA, IDENTITY)
    assert head.status == 200 and body == b""
    assert head.getheader("Content-Length") == str(len(full))
    assert head.getheader("ETag") == got.getheader("ETag")
    assert [e.method for e in mirror.log] == ["HEAD", "GET"] and mirror.log[0].bytes == 0


def test_gzip_only_when_the_client_accepts_it(mirror):
    original = (HTTPFAULTS / "page.html").read_bytes()
    zipped, body = raw(mirror, "GET", PAGE, {"Accept-Encoding": "gzip, deflate"})
    assert zipped.getheader("Content-Encoding") == "gzip" and gzip.decompress(body) == original
    plain, body = raw(mirror, "GET", PAGE, {"Accept-Encoding": "gzip;q=0, identity"})
    assert plain.getheader("Content-Encoding") is None and body == original
    assert [e.encoding for e in mirror.log] == ["gzip", None]


def test_robots_txt_of_the_host_merges_the_folders(tmp_path: Path):
    for name, robots in (("one", "User-agent: *\nDisallow: /private/\n"),
                         ("two", "User-agent: msbrief\nDisallow: /drafts\nUser-agent: *\nDisallow:\n"),
                         ("three", None)):
        folder = tmp_path / name
        folder.mkdir()
        (folder / "mirror.json").write_text('{"responses": []}')
        if robots:
            (folder / "robots.txt").write_text(robots)
    with running_mirror(tmp_path) as server:
        merged = requests.get(server.base_url + "/robots.txt", timeout=5).text
        three = requests.get(server.base_url + "/three/robots.txt", timeout=5).text
        one = requests.get(server.base_url + "/one/robots.txt", timeout=5).text
    groups = merged.split("\n\n")
    msbrief = next(g for g in groups if "User-agent: msbrief" in g)
    star = next(g for g in groups if "User-agent: *" in g)
    # msbrief keeps folder one's `*` rule (it has no group of its own there) and folder two's own rule
    assert "Disallow: /one/private/" in msbrief and "Disallow: /two/drafts" in msbrief
    assert "Disallow: /one/private/" in star and "/two" not in star
    assert three == "User-agent: *\nAllow: /\n" and one == "User-agent: *\nDisallow: /private/\n"


def test_every_fixture_folder_can_be_served():
    with running_mirror(FIXTURES) as server:
        assert "httpfaults" in server.folders
        for folder in server.folders:
            assert requests.get(server.url_for(folder) + "/robots.txt", timeout=5).status_code == 200


# -- the request log ---------------------------------------------------------------------------


def test_request_log_in_memory_and_as_jsonl(tmp_path: Path):
    log_file = tmp_path / "requests.jsonl"
    with running_mirror(HTTPFAULTS, log_file=log_file) as server:
        etag = requests.get(server.base_url + DATA, headers={"User-Agent": "probe/1"}, timeout=5).headers["ETag"]
        requests.get(server.base_url + DATA, headers={"If-None-Match": etag}, timeout=5)
        requests.get(server.base_url + "/httpfaults/missing", timeout=5)
        entries = server.log
    assert [(e.method, e.path, e.status, e.conditional) for e in entries] == [
        ("GET", DATA, 200, False), ("GET", DATA, 304, True), ("GET", "/httpfaults/missing", 404, False)]
    assert entries[0].user_agent == "probe/1" and entries[1].bytes == 0
    lines = [json.loads(line) for line in log_file.read_text().splitlines()]
    assert [line["status"] for line in lines] == [200, 304, 404]
    assert lines[0]["bytes"] == entries[0].bytes > 0


def test_log_over_the_control_api(mirror):
    get(mirror, DATA)
    logged = control(mirror, "GET", "log").json()
    assert [(e["path"], e["status"]) for e in logged] == [(DATA, 200)]
    assert control(mirror, "DELETE", "log").status_code == 200
    assert mirror.log == []


# -- faults ------------------------------------------------------------------------------------


def test_fault_set_over_http_applies_times_then_heals(mirror):
    reply = control(mirror, "POST", "faults", {"path": DATA, "fault": "503", "times": 2, "retry_after": 7})
    assert reply.status_code == 200 and reply.json()["faults"][DATA]["fault"] == "503"
    statuses = [get(mirror, DATA) for _ in range(3)]
    assert [r.status_code for r in statuses] == [503, 503, 200]
    assert statuses[0].headers["Retry-After"] == "7"
    assert [e.fault for e in mirror.log] == ["503", "503", None]
    assert control(mirror, "GET", "faults").json() == {}


def test_faults_cleared_over_http(mirror):
    control(mirror, "POST", "faults", {"path": DATA, "fault": "500"})
    control(mirror, "POST", "faults", {"path": PAGE, "fault": "500"})
    control(mirror, "DELETE", "faults", {"path": DATA})
    assert get(mirror, DATA).status_code == 200 and get(mirror, PAGE).status_code == 500
    control(mirror, "DELETE", "faults")
    assert get(mirror, PAGE).status_code == 200


def test_bad_control_requests_are_400_with_the_reason(mirror):
    reply = control(mirror, "POST", "faults", {"path": DATA, "fault": "explode"})
    assert reply.status_code == 400 and "unknown fault 'explode'" in reply.json()["error"]
    reply = control(mirror, "POST", "faults", {"fault": "500"})
    assert reply.status_code == 400 and "'path'" in reply.json()["error"]
    assert control(mirror, "GET", "nothing").status_code == 400


def test_fault_matches_the_query_in_any_order(mirror):
    mirror.set_fault("/httpfaults/search.json?page=2&q=modern slavery", "429", times=1)
    response = get(mirror, "/httpfaults/search.json?q=modern+slavery&page=2")
    assert response.status_code == 429 and response.headers["Retry-After"] == "1"


def test_reset_fault_aborts_the_connection(mirror):
    mirror.set_fault(DATA, "reset", times=1)
    with pytest.raises(requests.ConnectionError):
        get(mirror, DATA)
    assert mirror.log[-1].status is None and mirror.log[-1].fault == "reset"


def test_truncate_fault_sends_less_than_it_declares(mirror):
    mirror.set_fault(DATA, "truncate", times=1)
    conn = http.client.HTTPConnection("127.0.0.1", mirror.port, timeout=5)
    conn.request("GET", DATA, headers=IDENTITY)
    response = conn.getresponse()
    with pytest.raises(http.client.IncompleteRead):
        response.read()
    assert int(response.getheader("Content-Length")) == len((HTTPFAULTS / "data.json").read_bytes())


@pytest.mark.parametrize("chunked", [False, True])
def test_oversize_fault(mirror, chunked):
    mirror.set_fault(DATA, "oversize", size=300_000, chunked=chunked)
    response, body = raw(mirror, "GET", DATA)
    assert len(body) == 300_000
    assert (response.getheader("Content-Length") is None) is chunked


def test_slow_fault_delays_the_answer(mirror):
    mirror.set_fault(DATA, "slow", delay=0.3, times=1)
    with pytest.raises(requests.Timeout):
        requests.get(mirror.base_url + DATA, timeout=(1, 0.1))
    assert get(mirror, DATA).status_code == 200


def test_wrong_type_and_offhost_redirect_faults(mirror):
    mirror.set_fault(DATA, "wrong_type", times=1)
    assert get(mirror, DATA).headers["Content-Type"] == "text/html; charset=utf-8"
    mirror.set_fault(PAGE, "wrong_type", times=1)
    assert get(mirror, PAGE).headers["Content-Type"] == "application/octet-stream"
    mirror.set_fault(DATA, "redirect_offhost", times=1)
    moved = get(mirror, DATA)
    assert moved.status_code == 302 and moved.headers["Location"] == "http://offhost.invalid" + DATA


def test_robots_of_the_host_can_fail_too(mirror):
    mirror.set_fault("/robots.txt", "503", times=1)
    assert get(mirror, "/robots.txt").status_code == 503
    assert "Disallow: /httpfaults/private/" in get(mirror, "/robots.txt").text


# -- responses at runtime ------------------------------------------------------------------------


def test_a_new_item_appears_and_an_item_is_amended(mirror):
    new = "/httpfaults/news/new-item.html"
    assert get(mirror, new).status_code == 404
    mirror.put_response(new, "<h1>New</h1>")
    first = get(mirror, new)
    assert first.status_code == 200 and first.headers["Content-Type"] == "text/html; charset=utf-8"
    mirror.put_response(new, "<h1>New, amended</h1>", last_modified="Mon, 01 Jul 2024 09:00:00 GMT")
    second = get(mirror, new, **{"If-None-Match": first.headers["ETag"]})
    assert second.status_code == 200 and second.text == "<h1>New, amended</h1>"
    assert second.headers["Last-Modified"] == "Mon, 01 Jul 2024 09:00:00 GMT"


def test_put_response_defaults_last_modified_to_now(mirror):
    mirror.put_response(DATA, "{}")
    stamp = get(mirror, DATA).headers["Last-Modified"]
    assert stamp != DEFAULT_LAST_MODIFIED
    assert get(mirror, DATA, **{"If-Modified-Since": DEFAULT_LAST_MODIFIED}).status_code == 200


def test_responses_over_the_control_api(mirror):
    blob = bytes(range(256))
    control(mirror, "POST", "responses", {"path": "/httpfaults/blob.bin", "body_base64": base64.b64encode(blob).decode(),
                                          "content_type": "application/octet-stream", "headers": {"X-Test": "1"}})
    control(mirror, "POST", "responses", {"path": DATA, "body": '{"changed": true}', "status": 200})
    blob_response = get(mirror, "/httpfaults/blob.bin")
    assert blob_response.content == blob and blob_response.headers["X-Test"] == "1"
    assert get(mirror, DATA).json() == {"changed": True}
    control(mirror, "DELETE", "responses", {"path": PAGE})
    assert get(mirror, PAGE).status_code == 404
    control(mirror, "DELETE", "responses")
    assert get(mirror, PAGE).status_code == 200 and get(mirror, "/httpfaults/blob.bin").status_code == 404
    assert get(mirror, DATA).content == (HTTPFAULTS / "data.json").read_bytes()


# -- manifests -----------------------------------------------------------------------------------


def make_folder(tmp_path: Path, manifest: str, files: dict[str, str] | None = None) -> Path:
    folder = tmp_path / "src"
    folder.mkdir()
    (folder / "mirror.json").write_text(manifest)
    for name, text in (files or {}).items():
        (folder / name).write_text(text)
    return folder


@pytest.mark.parametrize("manifest, files, message", [
    ('{"responses": [{"path": "/a", "file": "missing.html"}]}', {}, "file 'missing.html' does not exist"),
    ('{"responses": [{"path": "/a", "file": "a.txt"}, {"path": "/a", "file": "a.txt"}]}', {"a.txt": "x"},
     "repeats path '/a'"),
    ('{"responses": [{"path": "a", "file": "a.txt"}]}', {"a.txt": "x"}, "needs a 'path' starting with '/'"),
    ("not json", {}, "not a mirror manifest"),
])
def test_broken_manifests_are_refused_with_the_reason(tmp_path, manifest, files, message):
    folder = make_folder(tmp_path, manifest, files)
    with pytest.raises(MirrorError, match=message) as caught:
        MirrorServer(folder)
    assert "src" in str(caught.value)


def test_root_can_be_a_single_folder_and_stop_closes_the_port():
    with running_mirror(HTTPFAULTS) as server:
        assert server.folders == ("httpfaults",)
        port = server.port
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", port), timeout=1).close()


# -- msbrief mirror serve ----------------------------------------------------------------------


def test_mirror_serve_command_prints_the_urls_and_stops_on_ctrl_c():
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    process = subprocess.Popen(
        [sys.executable, "-m", "commands.main", "mirror", "serve", "--port", "0", "--root", str(HTTPFAULTS)],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
        # as a terminal's foreground command gets it: a test run started in the background by a
        # script inherits SIGINT ignored, and Python then rightly leaves Ctrl-C ignored
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    try:
        header = process.stdout.readline()
        folder_line = process.stdout.readline()
        base = header.split(" at ")[1].split()[0].rstrip("/")
        assert base.startswith("http://127.0.0.1:") and not base.endswith(":0")
        assert folder_line.split() == ["httpfaults", base + "/httpfaults"]
        assert requests.get(base + DATA, timeout=5).status_code == 200
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=120)  # waits for the exit, generously
    finally:
        process.kill()
    assert process.returncode == 0, err
    assert "mirror stopped" in out and "Traceback" not in err


def test_mirror_serve_reports_a_bad_root(tmp_path: Path, capsys):
    parser = argparse.ArgumentParser(prog="msbrief")
    cmd_mirror.register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["mirror", "serve", "--port", "0", "--root", str(tmp_path / "nowhere")])
    assert args.handler(args) == 2
    assert "nowhere" in capsys.readouterr().err


def test_a_staged_response_appears_at_its_moment_and_not_before(mirror):
    import time

    from mirror import http_date

    later, past = time.time() + 3600, time.time() - 1
    release = "/httpfaults/statistics/new-release.json"
    mirror.put_response(release, '{"published": true}', at=later)  # published an hour from now
    mirror.put_response(DATA, '{"moved": true}', status=301, headers={"Location": "/statistics/new-release.json"},
                        at=later)
    assert get(mirror, release).status_code == 404  # not yet: the path answers as before
    assert get(mirror, DATA).content == (HTTPFAULTS / "data.json").read_bytes()
    reply = control(mirror, "POST", "responses", {"path": release, "body": '{"published": true}', "at": past})
    assert reply.status_code == 200
    published = get(mirror, release)  # its moment has come
    assert published.json() == {"published": True} and published.headers["Last-Modified"] == http_date(past)
    assert get(mirror, DATA).content == (HTTPFAULTS / "data.json").read_bytes()  # still staged for later
    bad = control(mirror, "POST", "responses", {"path": release, "body": "{}", "at": "9:30"})
    assert bad.status_code == 400 and "'at' must be epoch seconds" in bad.json()["error"]
    control(mirror, "DELETE", "responses")  # back to the recordings: nothing stays staged
    assert get(mirror, release).status_code == 404
