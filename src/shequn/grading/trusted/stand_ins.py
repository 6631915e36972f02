"""The grader's stand-ins for what lives in the learner's sandboxed kernel.

:class:`~shequn.grading.trusted.channel.Channel` carries the data; this module gives the trusted
tests objects to hold: :class:`RemoteFunction` calls a learner's function in the kernel,
:class:`RemotePolicy` is a learner's threshold policy whose ``admit``/``invitees`` callbacks cross
the boundary while the model runs in the grader, and a :class:`Handle` stands for any other
learner object that is not plain data.  They need only the few channel calls named in
:class:`ChannelCalls` (so this module does not import the channel, which imports it).

**Handles.**  A learner's class, an instance of it, a matplotlib ``Figure`` or a generator stays in the
sandboxed kernel.  The kernel sends a *handle* (a number, the object's type name and MRO as
text); the test holds a :class:`Handle` and every attribute read, call, ``len``, indexing,
iteration, ``str`` or ``isinstance`` becomes one channel request whose answer comes back as
data (or as another handle).  Nothing of the learner's object ever runs in the grader: its
``__eq__``, ``__hash__`` or ``__bool__`` are never called here.

What a handle cannot do faithfully it refuses loudly with :class:`Unfaithful` (a
``BaseException``, so a test's ``except Exception`` does not swallow it): comparing a learner
object with ``==`` or ``<`` (plain nbgrader would call the learner's own ``__eq__``, which
decides nothing here) or computing with it.  The trusted runner then holds the cell for
manual grading and names the construct (:mod:`shequn.grading.trusted.test_cells`).

Hand-written rather than a proxy library (``wrapt``, ``Pyro``): the point is that *no*
operation is forwarded by default; each one allowed is listed here.
"""

from __future__ import annotations

import sys
from typing import Any, Protocol

__all__ = [
    "ChannelCalls",
    "Handle",
    "Unfaithful",
    "make_handle",
    "MAX_ITEMS",
    "RemoteFunction",
    "RemotePolicy",
]

MAX_ITEMS = 1_000_000  # iterating a learner object: more is refused (a generator that never ends)
# a type a handle may claim to be for isinstance(): a matplotlib class already imported here (a test's
# isinstance(fig, Figure)).  Not numpy or pandas: a handle passing for a DataFrame would send the
# grader's comparison helpers into the learner's methods (.equals) and take their word.
_TRUSTED_TYPE_MODULES = ("matplotlib.",)


class ChannelCalls(Protocol):
    """What a stand-in asks of :class:`~shequn.grading.trusted.channel.Channel`."""

    def encode(self, v: Any) -> Any: ...

    def handle_op(self, req: dict) -> Any: ...

    def call_ref(self, ref: int, args: tuple, kwargs: dict) -> Any: ...

    def call(self, name: str, args: tuple, kwargs: dict, method: str | None = None) -> Any: ...


class Unfaithful(BaseException):
    """The test did something the grader cannot carry faithfully across the sandbox."""

    def __init__(self, construct: str, reason: str):
        super().__init__(f"{construct}: {reason}")
        self.construct, self.reason = construct, reason


def imported_class(qualname: str) -> type | None:
    """The class *qualname* names in a module this process has already imported (never imports)."""
    parts = qualname.split(".")
    for i in range(len(parts) - 1, 0, -1):
        obj = sys.modules.get(".".join(parts[:i]))
        if obj is not None:
            for attr in parts[i:]:
                obj = getattr(obj, attr, None)
            return obj if isinstance(obj, type) else None
    return None


def _claimed_type(qualname: str) -> type | None:
    """The grader's class of this name, if it is a library class already imported (else None)."""
    if not isinstance(qualname, str) or not qualname.startswith(_TRUSTED_TYPE_MODULES):
        return None
    return imported_class(qualname)


def make_handle(channel: ChannelCalls, d: dict) -> Handle:
    """A :class:`Handle` from the kernel's description (already type-checked by the channel)."""
    return Handle(channel, d["id"], d.get("kind", "object"), d.get("type", "?"), d.get("mro", []))


class Handle:
    """A learner object in the kernel, known here by number only (see module doc)."""

    __slots__ = ("_channel", "_id", "_kind", "_type", "_mro")

    def __init__(self, channel: ChannelCalls, ref: int, kind: str, typename: str, mro: list):
        object.__setattr__(self, "_channel", channel)
        object.__setattr__(self, "_id", ref)
        object.__setattr__(self, "_kind", kind)
        object.__setattr__(self, "_type", typename)
        object.__setattr__(self, "_mro", list(mro))

    def _ask(self, op: str, **kw) -> Any:
        return self._channel.handle_op({"op": op, "ref": self._id, **kw})

    # attribute reads and calls go to the kernel; the answers come back as data or handles
    def __getattr__(self, name: str) -> Any:
        if name.startswith("__") and name.endswith("__"):
            raise AttributeError(name)
        return self._ask("getattr", attr=name)

    def __setattr__(self, name: str, value: Any) -> None:
        raise Unfaithful(
            f"设置学习者对象的属性 {name} / setting attribute {name} of a learner object",
            "the grader does not change learner objects",
        )

    def __call__(self, *args, **kwargs) -> Any:
        return self._channel.call_ref(self._id, args, kwargs)

    def __len__(self) -> int:
        n = self._ask("len")
        if type(n) is not int or n < 0:
            raise TypeError("len() of a learner object is not a non-negative int")
        return n

    def __getitem__(self, key: Any) -> Any:
        return self._ask("getitem", key=self._channel.encode(key))

    def __contains__(self, key: Any) -> bool:
        return self._ask("contains", key=self._channel.encode(key)) is True

    def __iter__(self):
        items = self._ask("list", cap=MAX_ITEMS)
        if not isinstance(items, list):
            raise TypeError("iterating a learner object gave no list")
        return iter(items)

    def __bool__(self) -> bool:
        return self._ask("bool") is True

    def __float__(self) -> float:
        v = self._ask("float")
        if type(v) is not float:
            raise TypeError("float() of a learner object is not a float")
        return v

    def __str__(self) -> str:
        from shequn.grading.nbgrader_plugins.sanitize import strip_controls

        v = self._ask("str")
        return strip_controls(v) if isinstance(v, str) else "<learner object>"

    def __repr__(self) -> str:  # fixed text: a repr lands in reports and feedback, never learner text
        return f"<learner {self._kind}>"

    # isinstance(x, LearnerClass) and issubclass(LearnerClass, Other): asked of the kernel
    def __instancecheck__(self, obj: Any) -> bool:
        if not isinstance(obj, Handle):
            return False
        return self._channel.handle_op({"op": "isinstance", "ref": obj._id, "cls": self._id}) is True

    def __subclasscheck__(self, cls: Any) -> bool:
        if not isinstance(cls, Handle):
            return False
        return self._channel.handle_op({"op": "issubclass", "ref": cls._id, "cls": self._id}) is True

    @property
    def __class__(self):  # isinstance(fig, matplotlib.figure.Figure): the library class it claims
        claimed = _claimed_type(self._type)
        return claimed if claimed is not None else Handle

    def __hash__(self) -> int:
        return hash(("shequn-handle", id(self._channel), self._id))

    def __eq__(self, other: Any) -> bool:
        if isinstance(other, Handle) and object.__getattribute__(other, "_id") == self._id:
            return True
        raise Unfaithful(
            "用 == 比较学习者对象 / comparing a learner object with ==",
            "plain nbgrader would call the learner's own __eq__; the grader never does",
        )

    def __ne__(self, other: Any) -> bool:
        return not self.__eq__(other)


def _refuse(op: str):
    def method(self, *args, **kwargs):
        raise Unfaithful(
            f"对学习者对象使用 {op} / {op} on a learner object",
            "the grader never runs a learner object's operators",
        )

    method.__name__ = op
    return method


for _op in (
    "__lt__",
    "__le__",
    "__gt__",
    "__ge__",
    "__add__",
    "__radd__",
    "__sub__",
    "__rsub__",
    "__mul__",
    "__rmul__",
    "__truediv__",
    "__rtruediv__",
    "__floordiv__",
    "__mod__",
    "__pow__",
    "__neg__",
    "__abs__",
    "__int__",
    "__index__",
    "__round__",
    "__and__",
    "__or__",
    "__enter__",
    "__exit__",
):
    setattr(Handle, _op, _refuse(_op))


class RemoteFunction:
    """Calls the learner's function of this name in the sandboxed kernel."""

    def __init__(self, channel: ChannelCalls, name: str):
        self._channel, self._name = channel, name

    def __call__(self, *args, **kwargs):
        return self._channel.call(self._name, args, kwargs)

    def __repr__(self) -> str:
        return f"<learner function {self._name}>"


def _remote_policy_class():
    from shequn.models import thresholds as th

    class RemotePolicy(th.Policy):
        """The learner's threshold policy: the simulator runs here, each callback in the kernel."""

        def __init__(self, channel: ChannelCalls, var: str, name: str, fee: float):
            self._channel, self._var = channel, var
            self.name, self.fee = name, fee

        def admit(self, applicants, rng):
            return self._channel.call(self._var, (applicants, rng), {}, method="admit")

        def invitees(self, applicants, admitted, rng):
            return self._channel.call(self._var, (applicants, admitted, rng), {}, method="invitees")

    return RemotePolicy


def RemotePolicy(channel: ChannelCalls, var: str, name: str, fee: float):  # noqa: N802 - a class factory
    return _remote_policy_class()(channel, var, name, fee)
