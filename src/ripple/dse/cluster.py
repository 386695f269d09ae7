"""The Dask scheduler an exploration connects to, and how (``--scheduler``, ``--tls-*``).

A Dask scheduler and its workers exchange pickles: whoever runs the scheduler runs code in
this process and reads every task, so a scheduler is trusted code, and a scheduler on another
machine should be reached over TLS. ``tls://`` takes the CA that signed the scheduler's
certificate and this client's certificate and key (a key inside the certificate file
needs no ``--tls-key``), as Dask's own :class:`distributed.security.Security`; a plain address
is ``tcp://`` (or ``host:port``), which must not be given TLS files it would ignore.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ripple.errors import RippleInputError, shown

if TYPE_CHECKING:
    from distributed import Client
    from distributed.security import Security

SCHEMES = ("tcp", "tls")
#: HOST:PORT, the host a name, an IPv4 address or a bracketed IPv6 one; group 1 the port.
_HOST_PORT = re.compile(r"(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9_.-]+):(\d{1,5})")


@dataclass(frozen=True)
class SchedulerTLS:
    """The files of a TLS connection: the CA, the client's certificate, its key."""

    ca: str | None = None
    cert: str | None = None
    key: str | None = None

    def given(self) -> list[str]:
        return [flag for flag, value in (("--tls-ca", self.ca), ("--tls-cert", self.cert),
                                         ("--tls-key", self.key)) if value is not None]


def scheduler_security(address: str | None, tls: SchedulerTLS | None = None
                       ) -> Security | None:
    """The security of a connection to ``address``: a required-encryption
    :class:`~distributed.security.Security` for ``tls://``, None for ``tcp://`` (and for no
    scheduler); refused in one line when the scheme is neither, TLS lacks its files, or
    files are given to what would ignore them."""
    tls = tls or SchedulerTLS()
    if address is None:
        if tls.given():
            raise RippleInputError(f"TLS files ({', '.join(tls.given())}) serve only "
                                   "--scheduler tls://HOST:PORT")
        return None
    scheme = address.split("://", 1)[0] if "://" in address else "tcp"
    if scheme not in SCHEMES:
        raise RippleInputError(f"expected a tcp:// or tls:// address, got {scheme}://",
                               field="--scheduler")
    found = _HOST_PORT.fullmatch(address.split("://", 1)[-1])
    if found is None or not 1 <= int(found.group(1)) <= 65535:
        raise RippleInputError(f"expected {scheme}://HOST:PORT (a port from 1 to 65535), got "
                               f"{shown(address)}", field="--scheduler")
    if scheme == "tcp":
        if tls.given():
            raise RippleInputError(f"TLS files ({', '.join(tls.given())}) serve only a tls:// "
                                   f"scheduler; {address!r} is plain tcp (unencrypted)",
                                   field="--scheduler")
        return None
    missing = [flag for flag, value in (("--tls-ca", tls.ca), ("--tls-cert", tls.cert))
               if value is None]
    if missing:
        raise RippleInputError(f"a tls:// scheduler needs {' and '.join(missing)} (the CA of "
                               "the scheduler's certificate, this client's certificate; "
                               "--tls-key when the key is a file of its own)",
                               field="--scheduler")
    for flag, value in (("--tls-ca", tls.ca), ("--tls-cert", tls.cert), ("--tls-key", tls.key)):
        if value is not None and not Path(value).is_file():
            raise RippleInputError("not a readable file; expected a PEM file", source=value,
                                   field=flag)
    from distributed.security import Security

    return Security(tls_ca_file=tls.ca, tls_client_cert=tls.cert, tls_client_key=tls.key,
                    require_encryption=True)


def connect(address: str, security: Security | None) -> Client:
    """A client of the scheduler at ``address``; a scheduler that cannot be reached (down,
    or speaking TLS to a tcp:// client and the reverse) is one line, not a traceback."""
    from distributed import Client

    try:
        return Client(address, security=security)
    # distributed's CommClosedError is an OSError; an address it cannot parse a ValueError
    except (OSError, TimeoutError, ValueError) as exc:
        reason = str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__
        raise RippleInputError(f"cannot reach the Dask scheduler at {address}: {reason}",
                               field="--scheduler") from None
