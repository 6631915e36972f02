"""Grader-side stand-ins for what lives in the learner's sandboxed kernel.

:class:`~shequn.grading.channel.Channel` carries the data; this module gives the trusted tests
objects to hold: :class:`RemoteFunction` calls a learner's function in the kernel,
:class:`RemotePolicy` is a learner's threshold policy whose ``admit``/``invitees`` callbacks
cross the boundary while the model runs in the grader, and :func:`remote_exception` turns what
the kernel says a learner's code raised into an exception the tests can catch.  No learner-chosen
class name crosses: only built-in exception types and the kit's ``DataError``, with the message
capped and stripped of control characters (tests check messages).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from shequn.grading.channel import Channel

__all__ = ["RemoteFunction", "RemotePolicy", "remote_exception"]


def remote_exception(raised: dict) -> BaseException:
    """An exception the learner's code raised, as one the tests can catch; no message crosses."""
    import builtins

    from shequn.data import DataError
    from shequn.grading.channel import RemoteError  # here: the channel imports this module

    allowed: dict[str, type] = {f"{DataError.__module__}.{DataError.__qualname__}": DataError}
    mro = [m for m in raised.get("mro", []) if isinstance(m, str)][:20]
    for qual in mro:
        cls = allowed.get(qual)
        if cls is None and qual.startswith("builtins."):
            cand = getattr(builtins, qual[len("builtins."):], None)
            if isinstance(cand, type) and issubclass(cand, Exception) and cand is not Exception:
                cls = cand
        if cls is not None:
            exc = cls.__new__(cls)
            exc.args = _message(raised, cls)
            attrs = raised.get("attrs") if isinstance(raised.get("attrs"), dict) else {}
            if cls is DataError:
                for k in ("file", "line", "column"):
                    v = attrs.get(k)
                    if v is None or type(v) in (str, int):
                        setattr(exc, k, v if not isinstance(v, str) else v[:500])
            return exc
    # no learner-chosen class name (see the channel's _LIBRARY_TYPE)
    return RemoteError("运行出错 / raised an error")


def _message(raised: dict, cls: type) -> tuple:
    """The learner's exception message, as tests check it (``str(e)``, ``pytest.raises(match=)``):
    capped and without control characters.  Only a built-in exception's message crosses: a
    learner-named class is not shown (its name and text are theirs to choose)."""
    from shequn.grading.sanitize import strip_controls

    text = raised.get("message")
    if not isinstance(text, str) or not text:
        return ()
    text = strip_controls(text[:4000])
    if cls is KeyError and len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"":
        text = text[1:-1]  # str(KeyError('k')) is "'k'": give the key back, so str() matches again
    return (text,)


class RemoteFunction:
    """Calls the learner's function of this name in the sandboxed kernel."""

    def __init__(self, channel: Channel, name: str):
        self._channel, self._name = channel, name

    def __call__(self, *args, **kwargs):
        return self._channel.call(self._name, args, kwargs)

    def __repr__(self) -> str:
        return f"<learner function {self._name}>"


def _remote_policy_class():
    from shequn.models import thresholds as th

    class RemotePolicy(th.Policy):
        """The learner's threshold policy: the simulator runs here, each callback in the kernel."""

        def __init__(self, channel: Channel, var: str, name: str, fee: float):
            self._channel, self._var = channel, var
            self.name, self.fee = name, fee

        def admit(self, applicants, rng):
            return self._channel.call(self._var, (applicants, rng), {}, method="admit")

        def invitees(self, applicants, admitted, rng):
            return self._channel.call(self._var, (applicants, admitted, rng), {}, method="invitees")

    return RemotePolicy


def RemotePolicy(channel: Channel, var: str, name: str, fee: float):  # noqa: N802 - a class factory
    return _remote_policy_class()(channel, var, name, fee)
