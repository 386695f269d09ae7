"""``explore --scheduler tls://`` with ``--tls-ca/--tls-cert/--tls-key``: Dask's own
:class:`~distributed.security.Security`, refused in one line without its files; plain tcp://
unchanged. The round trip runs a TLS LocalCluster on certificates made by ``openssl``."""

from __future__ import annotations

import shutil
import subprocess

import pyarrow.parquet as pq
import pytest

from ripple.dse.cluster import SchedulerTLS, scheduler_security
from ripple.errors import RippleInputError
from tests.conftest import EXAMPLES, run_main

SEED = EXAMPLES / "seed_case"


@pytest.fixture
def pems(tmp_path):
    """Three files with PEM names (their content matters only to a real connection)."""
    paths = {}
    for name in ("ca", "cert", "key"):
        paths[name] = tmp_path / f"{name}.pem"
        paths[name].write_text("-----BEGIN PLACEHOLDER-----\n")
    return paths


def test_tls_address_builds_dask_security(pems):
    tls = SchedulerTLS(str(pems["ca"]), str(pems["cert"]), str(pems["key"]))
    security = scheduler_security("tls://10.0.0.1:8786", tls)
    assert security.require_encryption
    assert security.tls_ca_file == str(pems["ca"])
    assert security.tls_client_cert == str(pems["cert"])
    assert security.tls_client_key == str(pems["key"])


@pytest.mark.parametrize("address", ["tcp://10.0.0.1:8786", "10.0.0.1:8786", None])
def test_plain_tcp_and_local_runs_need_no_security(address):
    assert scheduler_security(address) is None


@pytest.mark.parametrize(("address", "given", "words"), [
    ("tls://10.0.0.1:8786", (), "needs --tls-ca and --tls-cert"),
    ("tls://10.0.0.1:8786", ("ca",), "needs --tls-cert"),
    ("tcp://10.0.0.1:8786", ("ca",), "serve only a tls:// scheduler"),
    (None, ("cert", "key"), "serve only --scheduler tls://"),
    ("udp://10.0.0.1:8786", (), "expected a tcp:// or tls:// address"),
    ("garbage", (), "expected tcp://HOST:PORT .a port from 1 to 65535., got 'garbage'"),
    ("tcp://10.0.0.1", (), "expected tcp://HOST:PORT"),
    ("tls://10.0.0.1:99999", (), "expected tls://HOST:PORT .a port from 1 to 65535."),
])
def test_misconfigured_scheduler_is_refused(pems, address, given, words):
    tls = SchedulerTLS(*(str(pems[n]) if n in given else None for n in ("ca", "cert", "key")))
    with pytest.raises(RippleInputError, match=words):
        scheduler_security(address, tls)


def test_cli_refuses_tls_without_files_in_one_line_before_any_work(tmp_path):
    proc = run_main("explore", "-w", str(SEED / "workload.yaml"), "-a", str(SEED / "arch.yaml"),
                    "--export", str(tmp_path / "out" / "x.csv"), "--limit", "5",
                    "--scheduler", "tls://127.0.0.1:1", "--tls-ca", str(tmp_path / "none.pem"),
                    "--tls-cert", str(tmp_path / "none.pem"))
    assert proc.returncode == 2
    assert proc.stderr == (f"ripple: error: {tmp_path / 'none.pem'}: --tls-ca: not a readable "
                           "file; expected a PEM file\n")
    assert proc.stdout == ""
    assert not (tmp_path / "out").exists()


def _certificates(folder):
    """A CA and a certificate it signed (for 127.0.0.1), made by the openssl command."""
    def openssl(*args: str) -> None:
        subprocess.run(["openssl", *args], cwd=folder, check=True, capture_output=True)

    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=ca",
            "-keyout", "ca.key", "-out", "ca.pem")
    openssl("req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=127.0.0.1",
            "-keyout", "node.key", "-out", "node.csr")
    (folder / "san.ext").write_text("subjectAltName=IP:127.0.0.1\n")
    openssl("x509", "-req", "-in", "node.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
            "-CAcreateserial", "-days", "1", "-extfile", "san.ext", "-out", "node.pem")
    return folder / "ca.pem", folder / "node.pem", folder / "node.key"


@pytest.mark.skipif(shutil.which("openssl") is None, reason="needs the openssl command")
def test_explore_over_a_tls_cluster_equals_the_local_run(tmp_path):
    from distributed import LocalCluster
    from distributed.security import Security

    ca, cert, key = _certificates(tmp_path)
    server = Security(tls_ca_file=str(ca), tls_scheduler_cert=str(cert),
                      tls_scheduler_key=str(key), tls_worker_cert=str(cert),
                      tls_worker_key=str(key), tls_client_cert=str(cert),
                      tls_client_key=str(key), require_encryption=True)
    argv = ["explore", "-w", str(SEED / "workload.yaml"), "-a", str(SEED / "arch.yaml"),
            "--limit", "300", "--batch-size", "100"]
    local = run_main(*argv, "--export", str(tmp_path / "local.parquet"), "--json", "-")
    assert local.returncode == 0, local.stderr
    with LocalCluster(n_workers=1, threads_per_worker=1, processes=False, protocol="tls",
                      security=server, dashboard_address=None) as cluster:
        address = cluster.scheduler_address
        assert address.startswith("tls://")
        remote = run_main(*argv, "--export", str(tmp_path / "tls.parquet"), "--json", "-",
                          "--scheduler", address, "--tls-ca", str(ca), "--tls-cert", str(cert),
                          "--tls-key", str(key))
        assert remote.returncode == 0, remote.stderr
        refused = run_main(*argv, "--export", str(tmp_path / "plain.parquet"), "--json", "-",
                           "--scheduler", address.replace("tls://", "tcp://"))
        assert refused.returncode == 2
        assert refused.stderr.startswith("ripple: error: --scheduler: cannot reach the Dask "
                                         f"scheduler at {address.replace('tls', 'tcp')}")
        assert len(refused.stderr.splitlines()) == 1
    assert pq.read_table(tmp_path / "tls.parquet").equals(pq.read_table(tmp_path /
                                                                        "local.parquet"))
