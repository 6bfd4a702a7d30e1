"""Kafka client errors as Newsflow errors: the one place they are translated.

:func:`kafka_error` turns what kafka-python or aiokafka raised into the most specific
:class:`~pipeline.errors.NewsflowError`: a client that could not bootstrap within the connect
timeout becomes :class:`~pipeline.errors.KafkaUnavailable`, or
:class:`~pipeline.errors.AuthenticationFailed` when the broker refuses our SASL login; a request
that failed becomes ``KafkaUnavailable`` naming what was being done.
"""

from __future__ import annotations

import asyncio

from aiokafka.conn import create_conn
from aiokafka.errors import SaslAuthenticationFailed, UnsupportedSaslMechanismError

from pipeline.config import Settings
from pipeline.errors import AuthenticationFailed, KafkaUnavailable, NewsflowError
from pipeline.kafka.clients import aiokafka_config


def kafka_error(
    settings: Settings, exc: Exception, *, doing: str | None = None, hint: str = ""
) -> NewsflowError:
    """The Newsflow error for ``exc``, raised by a Kafka client while ``doing`` something
    (``None``: while bootstrapping, i.e. reaching the cluster at all). Raise it ``from exc``."""
    if doing is not None:
        return KafkaUnavailable(f"{doing}: {exc}")
    return _unreachable(settings, hint)


def local_broker_hint(settings: Settings) -> str:
    """What to say when the embedded broker does not answer."""
    return "start it with: newsflow kafka start" if settings.uses_local_broker else ""


def _unreachable(settings: Settings, hint: str = "") -> NewsflowError:
    """The error for a kafka-python client that could not bootstrap within the connect timeout.

    kafka-python 3.0.12 drops the broker's SASL_AUTHENTICATION_FAILED reply (it arrives together
    with the connection close) and retries until the timeout, so a wrong password looks like a
    missing broker. With SASL configured, one aiokafka login tells the two apart.
    """
    if settings.kafka.security_protocol.startswith("SASL") and not _loop_running():
        refused = asyncio.run(_sasl_refusal(settings))
        if refused is not None:
            return refused
    return KafkaUnavailable.at(settings.bootstrap_servers, hint)


def _loop_running() -> bool:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True


async def _sasl_refusal(settings: Settings) -> AuthenticationFailed | None:
    """AuthenticationFailed if a bootstrap broker refuses our SASL login, else None."""
    k = settings.kafka
    config = aiokafka_config(settings)
    del config["bootstrap_servers"]
    timeout = min(k.connect_timeout_seconds, 10.0)
    for address in settings.bootstrap_servers.split(","):
        host, _, port = address.strip().rpartition(":")
        try:
            conn = await asyncio.wait_for(create_conn(host, int(port), **config), timeout)
        except SaslAuthenticationFailed:
            reason = "check NEWSFLOW_KAFKA_SASL_USERNAME and NEWSFLOW_KAFKA_SASL_PASSWORD"
        except UnsupportedSaslMechanismError:
            reason = "the broker does not offer this mechanism (NEWSFLOW_KAFKA_SASL_MECHANISM)"
        except Exception:
            continue  # not an answer about our credentials: ask the next broker
        else:
            conn.close()
            return None  # this broker lets us in: the bootstrap failed for another reason
        return AuthenticationFailed(address.strip(), k.sasl_username, str(k.sasl_mechanism), reason)
    return None
