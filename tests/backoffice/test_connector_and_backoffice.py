"""The Open311 connector against the demo back office, over real HTTP."""
import socket
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
import requests

from bot.connectors.base import BackOfficeRejected, BackOfficeUnavailable, Report
from bot.connectors.open311 import Open311Connector
from tests.backoffice_process import API_KEY, BackOfficeProcess


@pytest.fixture(scope="module")
def backoffice(tmp_path_factory):
    process = BackOfficeProcess(tmp_path_factory.mktemp("backoffice"), port=18081).start()
    yield process
    process.stop()


@pytest.fixture
def client(backoffice):
    return Open311Connector(backoffice.url, API_KEY, jurisdiction_id="brackenford.gov.uk", timeout=5,
                            client_reference_attribute="client_reference")


def pothole(reference="WEB-TEST01", **changes):
    report = Report(reference=reference, service_code="pothole", description="Deep hole",
                    lat=51.65, long=-3.39, address_string="outside 14, Station Road, Brackenford",
                    attributes={"usrn": "40500008", "size": "large", "hazard": "yes"},
                    email="jo@example.com", first_name="Jo", last_name="Bloggs")
    for key, value in changes.items():
        setattr(report, key, value)
    return report


def test_catalogue(client):
    assert [s["service_code"] for s in client.services()] == [
        "missed_bin", "pothole", "fly_tipping", "street_light", "graffiti", "abandoned_vehicle"]
    assert [a["code"] for a in client.service_definition("pothole")["attributes"]] == ["usrn", "size", "hazard"]


def test_file_then_status_through_its_life(client, backoffice):
    reference = client.submit(pothole("WEB-LIFE01"))
    assert reference.startswith("BRK-")
    status = client.status(reference)
    assert (status.status, status.service_name, status.notes) == ("open", "Pothole", None)
    moved = backoffice.cli("status", reference, "closed", "--notes", "Filled in on 3 March")
    assert moved.returncode == 0, moved.stderr
    status = client.status(reference)
    assert (status.status, status.notes) == ("closed", "Filled in on 3 March")
    listed = backoffice.cli("list")
    assert reference in listed.stdout


def test_same_report_twice_is_filed_once(client):
    first = client.submit(pothole("WEB-TWICE1"))
    assert client.submit(pothole("WEB-TWICE1")) == first
    assert client.submit(pothole("WEB-OTHER1")) != first


def test_wrong_key_is_refused(backoffice):
    wrong = Open311Connector(backoffice.url, "not-the-key", timeout=5)
    with pytest.raises(BackOfficeRejected) as refused:
        wrong.submit(pothole("WEB-KEY001"))
    assert refused.value.status == 403


def test_missing_and_invalid_fields_use_the_error_format(backoffice, client):
    with pytest.raises(BackOfficeRejected) as refused:
        client.submit(pothole("WEB-BAD001", attributes={"size": "enormous"}))
    assert refused.value.status == 400
    assert "attribute[usrn] is required" in refused.value.descriptions
    assert any(d.startswith("attribute[size] must be one of") for d in refused.value.descriptions)
    raw = requests.post(f"{backoffice.url}/requests.json", data={"api_key": API_KEY, "service_code": "pothole",
                                                                "attribute[usrn]": "1"}, timeout=5)
    assert raw.status_code == 400
    assert raw.json() == [{"code": 400, "description": "a location is required: lat and long, address_string or address_id"}]
    long_text = client.form_fields(pothole(description="x" * 4001))
    assert requests.post(f"{backoffice.url}/requests.json", data=long_text, timeout=5).status_code == 400


def test_unknown_ids_are_404(client, backoffice):
    assert client.status("BRK-999999") is None
    assert requests.get(f"{backoffice.url}/services/nothing.json", timeout=5).status_code == 404


def test_html_is_stored_as_given_and_returned_as_json_text(client, backoffice):
    reference = client.submit(pothole("WEB-HTML01", description="<script>alert(1)</script>"))
    case = requests.get(f"{backoffice.url}/requests/{reference}.json", timeout=5).json()[0]
    assert case["description"] == "<script>alert(1)</script>"
    assert requests.get(f"{backoffice.url}/requests/{reference}.json", timeout=5).headers["content-type"] \
        .startswith("application/json")


class _Capture(BaseHTTPRequestHandler):
    captured = {}

    def do_POST(self):  # noqa: N802 (http.server's naming)
        body = self.rfile.read(int(self.headers["Content-Length"])).decode()
        _Capture.captured = {"path": self.path, "type": self.headers["Content-Type"],
                             "fields": urllib.parse.parse_qs(body, keep_blank_values=True)}
        reply = b'[{"service_request_id": "CAP-1", "service_notice": "", "account_id": null}]'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(reply)))
        self.end_headers()
        self.wfile.write(reply)

    def log_message(self, *args):
        pass


def test_request_conforms_to_georeport_v2_field_by_field():
    server = HTTPServer(("127.0.0.1", 0), _Capture)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        client = Open311Connector(f"http://127.0.0.1:{server.server_port}/open311/v2", "k3y",
                                  jurisdiction_id="brackenford.gov.uk", timeout=5,
                                  client_reference_attribute="client_reference")
        street = pothole("WEB-FIELD1", phone="07700900123")
        assert client.submit(street) == "CAP-1"
        seen = _Capture.captured
        assert seen["path"] == "/open311/v2/requests.json"
        assert seen["type"] == "application/x-www-form-urlencoded"
        fields = {k: v[0] for k, v in seen["fields"].items()}
        assert all(len(v) == 1 for v in seen["fields"].values())
        assert fields == {
            "api_key": "k3y", "jurisdiction_id": "brackenford.gov.uk", "service_code": "pothole",
            "lat": "51.650000", "long": "-3.390000", "address_string": "outside 14, Station Road, Brackenford",
            "description": "Deep hole", "email": "jo@example.com", "phone": "07700900123",
            "first_name": "Jo", "last_name": "Bloggs",
            "attribute[usrn]": "40500008", "attribute[size]": "large", "attribute[hazard]": "yes",
            "attribute[client_reference]": "WEB-FIELD1",
        }
        property_report = Report(reference="WEB-FIELD2", service_code="missed_bin", address_id="100100000001",
                                 attributes={"bin_type": "general", "uprn": "100100000001"})
        client.submit(property_report)
        fields = {k: v[0] for k, v in _Capture.captured["fields"].items()}
        assert fields["address_id"] == "100100000001" and "lat" not in fields and "email" not in fields
    finally:
        server.shutdown()


def test_unreachable_and_silent_back_offices_time_out():
    closed = Open311Connector("http://127.0.0.1:9/open311/v2", "k", timeout=1)
    with pytest.raises(BackOfficeUnavailable):
        closed.submit(pothole())
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(5)   # accepts connections, never answers
    try:
        hanging = Open311Connector(f"http://127.0.0.1:{silent.getsockname()[1]}/open311/v2", "k", timeout=1)
        with pytest.raises(BackOfficeUnavailable):
            hanging.submit(pothole())
    finally:
        silent.close()
