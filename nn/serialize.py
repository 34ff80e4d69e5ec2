"""save and load: a model's parameters as JSON, named as ``named_parameters`` names them.

Floats are written with ``repr``, the shortest text that reads back as the same float, so a
round trip is exact. No pickle: loading a file never runs code from it, and a file is checked
whole (types, sizes, nesting, its config against its parameter table) before any model is built.
"""

from __future__ import annotations

import contextlib
import errno
import json
import math
import os
import re
import reprlib
import stat
import tempfile
from collections.abc import Callable
from typing import Any

from autograd import Value

from .layers import ACTIVATIONS, MLP, Layer, Neuron
from .module import Module

FORMAT, VERSION = "chainrule.nn", 1
PathLike = str | os.PathLike[str]
_REBUILD: dict[str, Callable[..., Module]] = {"MLP": MLP, "Layer": Layer, "Neuron": Neuron}
_FIELDS = ("format", "version", "class", "config", "parameters")

MAX_DEPTH = 16  # the format nests 3 deep; deeper JSON is refused before it is parsed
MAX_DIGITS = 300  # a longer integer literal is neither a size nor a float
MAX_SIZE = 10_000_000  # largest nin / layer width a config may state
MAX_LAYERS = 10_000
MAX_BYTES = 100_000_000  # largest file load reads (~4M parameters); load(path, max_bytes=...)

_UMASK = os.umask(0o022)  # NOTE: the only portable way to read the umask is to set it back
os.umask(_UMASK)


# --- save ---


def save(model: Module, path: PathLike) -> None:
    """Write the model's parameters (and, for Neuron/Layer/MLP, its shape) to ``path`` as JSON.

    The file appears whole or not at all: the text goes to a fresh temporary file in the same
    folder, is flushed to disk, then renamed over ``path``. A symlink is followed (its target is
    rewritten), and an error names ``path`` as given, never the temporary file. A read-only file
    (no write permission bits) is refused with PermissionError, as ``open(path, "w")`` refuses it.
    Temporary files are named ``.NAME.save-PID-XXXXXXXX.tmp``; those a killed save left behind
    (their process is gone) are removed by the next save to the same path.
    """
    if not isinstance(model, Module):
        raise TypeError(f"save: expected a Module, got {type(model).__name__}")
    state = model.state_dict()  # refuses two parameters with one name
    for name, x in state.items():
        if not math.isfinite(x):
            raise ValueError(f"save: parameter {name} is {x!r}; only finite values can be saved")
    head = {
        "format": FORMAT,
        "version": VERSION,
        "class": type(model).__name__,
        "config": _config(model),
        "parameters": None,
    }
    try:  # what load checks, checked before writing: save never writes a file load refuses
        _check_document({**head, "parameters": state}, os.fspath(path))
    except ValueError as e:
        raise ValueError(f"save: the file would not load back: {e}") from None
    # NOTE: one parameter a line, written by json's C encoder (indent= would use the Python one)
    lines = json.dumps(state, separators=(",\n  ", ": "))[1:-1]
    table = "{\n  " + lines + "\n }" if lines else "{}"
    text = json.dumps(head, indent=1)
    _write_whole(os.fspath(path), text[: text.rindex("null")] + table + "\n}\n")


def _write_whole(given: str, text: str) -> None:
    """Write ``text`` to ``given`` atomically: unique temp file, fsync, os.replace."""
    target = os.path.realpath(given)
    folder, base = os.path.split(target)
    if os.path.isdir(target):
        raise IsADirectoryError(errno.EISDIR, "save: the path is a folder", given)
    if not os.path.isdir(folder):
        raise FileNotFoundError(errno.ENOENT, "save: no such folder to save into", given)
    try:
        mode = stat.S_IMODE(os.stat(target).st_mode)  # overwrite: keep the file's mode
    except OSError:
        mode = 0o666 & ~_UMASK  # a new file: what open() would have made
    else:
        # NOTE: the rename would replace a read-only file anyway; open(path, "w") would not
        if not mode & 0o222 or not os.access(target, os.W_OK):
            raise PermissionError(
                errno.EACCES,
                "save: the file is read-only; make it writable or save elsewhere",
                given,
            )
    _remove_stale_temps(folder, base)
    tmp = ""
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{base}.save-{os.getpid()}-", suffix=".tmp", dir=folder)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, target)
    except BaseException as e:
        if tmp:
            with contextlib.suppress(OSError):
                os.remove(tmp)
        if isinstance(e, OSError) and _names_temp(e, folder, base):
            raise type(e)(e.errno or errno.EIO, f"save: {e.strerror or e}", given) from None
        raise
    with contextlib.suppress(OSError, AttributeError):  # make the rename itself durable (POSIX)
        dirfd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(dirfd)
        finally:
            os.close(dirfd)


def _temp_pattern(base: str) -> re.Pattern[str]:
    return re.compile(re.escape(f".{base}.save-") + r"(\d+)-\w+\.tmp")


def _names_temp(e: OSError, folder: str, base: str) -> bool:
    """Does the error show a temporary file's name (which the caller never chose)?"""
    pattern = _temp_pattern(base)
    return any(
        isinstance(name, str) and pattern.fullmatch(os.path.basename(name)) is not None
        for name in (e.filename, e.filename2)
    ) or f".{base}.save-" in str(e)


def _remove_stale_temps(folder: str, base: str) -> None:
    """Remove the temporary files of saves to this path whose process has died (kill -9)."""
    if os.name != "posix":  # NOTE: os.kill(pid, 0) would end the process on Windows
        return
    pattern = _temp_pattern(base)
    with contextlib.suppress(OSError), os.scandir(folder) as entries:
        for entry in entries:
            m = pattern.fullmatch(entry.name)
            if m is not None and not _alive(int(m[1])):
                with contextlib.suppress(OSError):
                    os.remove(entry.path)


def _alive(pid: int) -> bool:
    """Is there a process with this id (on this machine)? A live save's temp is never removed."""
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError, ValueError):  # another user's, or no such number
        return True
    return True


# --- load ---


def load(path: PathLike, model: Module | None = None, *, max_bytes: int = MAX_BYTES) -> Module:
    """Read a file written by ``save`` into ``model``, or else into a rebuilt Neuron/Layer/MLP.

    Raises ValueError if the file is not a well-formed chainrule model file, if its class or
    config differ from the model's (a relu file into a tanh model), or if its parameter names do
    not match. The file is checked whole before anything is built or written, so on any error
    ``model`` is left unchanged. A file larger than ``max_bytes`` (default 100 MB, about 4
    million parameters) is refused before it is read; reading takes time linear in its size.
    """
    given = os.fspath(path)
    if model is not None and not isinstance(model, Module):
        raise TypeError(f"load: model must be a Module, got {type(model).__name__}")
    if isinstance(max_bytes, bool) or not isinstance(max_bytes, int):
        raise TypeError(f"load: max_bytes must be an int, got {type(max_bytes).__name__}")
    if max_bytes < 1:
        raise ValueError(f"load: max_bytes must be >= 1, got {max_bytes}")
    try:
        with open(given, "rb") as f:
            size = os.fstat(f.fileno()).st_size
            data = f.read(max_bytes + 1)  # a pipe or /proc file may say size 0
        if max(size, len(data)) > max_bytes:
            raise ValueError(
                f"load: {given} is {max(size, len(data))} bytes, more than max_bytes={max_bytes}; "
                "if you trust it, raise the limit: load(path, max_bytes=...)"
            )
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise ValueError(f"load: {given} is not a chainrule model file ({e})") from None
    cls, config, state = _check_document(_parse(text, given), given)
    if model is None:
        model = _rebuild(given, cls, config)
    else:
        _check_same_model(given, model, cls, config)
    try:
        model.load_state_dict(state)
    except (TypeError, ValueError) as e:
        raise ValueError(f"load: {given} does not match the model: {e}") from None
    return model


class _BadNumber:
    """A number literal no float can hold: a 5000-digit integer, NaN, Infinity (1e400 is inf)."""

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text

    def __repr__(self) -> str:
        t = self.text
        return t if len(t) <= 24 else f"{t[:12]}...({len(t)} characters)"


class _Refused(Exception):
    """Raised inside the JSON decoder's hooks; turned into a ValueError naming the file."""


def _parse_int(text: str) -> int | _BadNumber:
    return _BadNumber(text) if len(text) > MAX_DIGITS else int(text)


def _pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out = dict(pairs)
    if len(out) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise _Refused(f"the key {key!r} appears twice in one object")
            seen.add(key)
    return out


# A string (to be skipped: it may hold brackets) or a bracket. NOTE: an unterminated string
# matches to the end of the text, so no match ever fails and the scan is linear; requiring the
# closing quote made every escaped quote a fresh start (quadratic: 48 s on 128 KB).
_TOKENS = re.compile(r'"(?:[^"\\]+|\\.)*"?|[\[\]{}]', re.DOTALL)


def _parse(text: str, given: str) -> Any:
    """JSON to Python, refusing deep nesting and repeated keys; huge numbers become _BadNumber."""
    depth = 0
    few = text.count("[") + text.count("{") <= MAX_DEPTH  # so it cannot nest deeper
    for m in () if few else _TOKENS.finditer(text):  # the decoder recurses
        c = text[m.start()]
        if c == '"':
            continue
        depth += 1 if c in "[{" else -1
        if depth > MAX_DEPTH:
            raise ValueError(
                f"load: {given} is not a chainrule model file (JSON nested more than "
                f"{MAX_DEPTH} levels deep)"
            )
    try:
        return json.loads(
            text,
            parse_int=_parse_int,
            parse_constant=_BadNumber,
            object_pairs_hook=_pairs,
        )
    except (json.JSONDecodeError, _Refused, RecursionError) as e:
        raise ValueError(f"load: {given} is not a chainrule model file ({e})") from None


def _show(x: Any) -> str:
    return reprlib.repr(x)


def _check_document(doc: Any, given: str) -> tuple[str, dict[str, Any] | None, dict[str, float]]:
    """(class, config, parameters) of a parsed file, every field checked for type and size."""
    bad = f"load: {given} is not a chainrule model file"
    if not isinstance(doc, dict):
        raise ValueError(f"{bad} (it holds a JSON {type(doc).__name__}, not an object)")
    if "format" not in doc:
        raise ValueError(f"{bad} (no format tag)")
    if doc["format"] != FORMAT:
        raise ValueError(f"{bad} (format tag is {_show(doc['format'])}, expected {FORMAT!r})")
    version = doc.get("version")
    if type(version) is not int or version != VERSION:
        plain = type(version) is int or isinstance(version, _BadNumber)
        kind = "" if plain else f" ({type(version).__name__})"
        raise ValueError(
            f"load: {given} has format version {_show(version)}{kind}; "
            f"this chainrule reads version {VERSION} (an integer)"
        )
    if not isinstance(doc.get("parameters"), dict):
        raise ValueError(f"load: {given} has no parameter table")
    unknown = [k for k in doc if k not in _FIELDS]
    missing = [k for k in _FIELDS if k not in doc]
    if unknown or missing:
        raise ValueError(f"{bad} (unknown fields {unknown}, missing fields {missing})")
    cls, config = doc["class"], doc["config"]
    if not isinstance(cls, str) or not 0 < len(cls) <= 200:
        raise ValueError(f"load: {given}: class must be a class name, got {_show(cls)}")
    state: dict[str, float] = {}
    for name, x in doc["parameters"].items():
        if type(x) is float and math.isfinite(x):
            state[name] = x
            continue
        if type(x) is not int:
            raise ValueError(
                f"load: {given}: parameter {name!r} must be a finite number, got {_show(x)}"
            )
        state[name] = float(x)
    if config is not None:
        if cls not in _REBUILD:
            raise ValueError(f"load: {given}: bad model config (a {cls} has none, got a config)")
        count = _check_config(f"load: {given}: bad model config", cls, config)
        if not count[0] <= len(state) <= count[1]:
            implied = count[0] if count[0] == count[1] else f"{count[0]} to {count[1]}"
            raise ValueError(
                f"load: {given}: the config ({cls} {_show(config)}) implies {implied} "
                f"parameters, but the parameter table has {len(state)}"
            )
    return cls, config, state


_SCHEMA = {
    "Neuron": ("nin", "activation", "bias"),
    "Layer": ("nin", "nout", "activation", "bias"),
    "MLP": ("nin", "nouts", "activation", "out_activation", "bias"),
}


def _check_config(bad: str, cls: str, config: Any) -> tuple[int, int]:
    """Check a config's fields; return the fewest and most parameters it can have (arithmetic)."""
    if not isinstance(config, dict) or set(config) != set(_SCHEMA[cls]):
        got = sorted(config) if isinstance(config, dict) else _show(config)
        raise ValueError(f"{bad} (a {cls} config has fields {list(_SCHEMA[cls])}, got {got})")
    for key in ("activation", "out_activation"):
        act = config.get(key)
        if key in config and not (act in ACTIVATIONS or (act is None and cls == "Layer")):
            raise ValueError(f"{bad} ({key} {_show(act)} is not one of {', '.join(ACTIVATIONS)})")
    bias = config["bias"]
    if not (type(bias) is bool or (bias is None and cls == "Layer")):
        raise ValueError(f"{bad} (bias must be true or false, got {_show(bias)})")
    if cls == "MLP":
        nouts = config["nouts"]
        if not isinstance(nouts, list) or not 0 < len(nouts) <= MAX_LAYERS:
            raise ValueError(f"{bad} (nouts must list 1 to {MAX_LAYERS} sizes, got {_show(nouts)})")
        sizes = [_size(bad, "nin", config["nin"])]
        sizes += [_size(bad, f"nouts[{i}]", n) for i, n in enumerate(nouts)]
    elif cls == "Layer":
        sizes = [_size(bad, "nin", config["nin"]), _size(bad, "nout", config["nout"])]
    else:
        sizes = [_size(bad, "nin", config["nin"]), 1]
    weights = sum(a * b for a, b in zip(sizes, sizes[1:], strict=False))
    biases = sum(sizes[1:])
    low = weights + (biases if bias else 0)
    return low, weights + (biases if bias is not False else 0)


def _size(bad: str, what: str, n: Any) -> int:
    if type(n) is not int or not 1 <= n <= MAX_SIZE:
        raise ValueError(f"{bad} ({what} must be an integer from 1 to {MAX_SIZE}, got {_show(n)})")
    return n


def _check_same_model(given: str, model: Module, cls: str, config: Any) -> None:
    """The file's class and config must be the model's (a relu file in a tanh model is wrong)."""
    name = type(model).__name__
    if cls != name:
        raise ValueError(f"load: {given} holds a {cls}, but the model is a {name}")
    mine = _config(model)
    if config == mine:
        return
    if config is None or mine is None:
        which = "the file" if config is None else "the model"
        raise ValueError(f"load: {given}: {which} has no config to compare ({config} vs {mine})")
    diffs = [
        f"{k}: file {_show(config.get(k))}, model {_show(mine.get(k))}"
        for k in _SCHEMA[cls]
        if config.get(k) != mine.get(k)
    ]
    raise ValueError(f"load: {given} is a different {cls} from the model ({'; '.join(diffs)})")


def _config(model: Module) -> dict[str, Any] | None:
    """Constructor arguments that rebuild the model's shape exactly (None for other Module
    classes, and for a Neuron/Layer/MLP reshaped by hand: no weights, no neurons, no layers,
    neurons of different sizes or layers that do not chain)."""
    if not _regular(model):
        return None
    if type(model) is Neuron:
        return {"nin": model.nin, "activation": model.activation, "bias": _has_bias([model])}
    if type(model) is Layer:
        return {
            "nin": model.nin,
            "nout": model.nout,
            "activation": _one_activation(model),
            "bias": _has_bias(model.neurons),
        }
    if type(model) is MLP:
        *hidden, last = model.layers
        acts = {_one_activation(layer) for layer in hidden}
        if len(acts) > 1 or None in acts or _one_activation(last) is None:
            return None
        bias = _has_bias([n for layer in model.layers for n in layer.neurons])
        if bias is None:
            return None
        return {
            "nin": model.sizes[0],
            "nouts": model.sizes[1:],
            "activation": acts.pop() if acts else "relu",
            "out_activation": _one_activation(last),
            "bias": bias,
        }
    return None


def _regular(model: Module) -> bool:
    """Is the model shaped as its constructor makes it (so that the config rebuilds it)?"""
    if type(model) is Neuron:
        ws = model.w
        return isinstance(ws, list) and bool(ws) and all(isinstance(w, Value) for w in ws)
    if type(model) is Layer:
        ns = model.neurons
        if not isinstance(ns, list) or not ns:
            return False
        return all(type(n) is Neuron and _regular(n) and n.nin == ns[0].nin for n in ns)
    if type(model) is MLP:
        layers = model.layers
        if not isinstance(layers, list) or not layers:
            return False
        if not all(type(layer) is Layer and _regular(layer) for layer in layers):
            return False
        return all(a.nout == b.nin for a, b in zip(layers, layers[1:], strict=False))
    return True


def _one_activation(layer: Layer) -> str | None:
    acts = {n.activation for n in layer.neurons}
    return acts.pop() if len(acts) == 1 else None


def _has_bias(neurons: list[Neuron]) -> bool | None:
    flags = {isinstance(n.b, Value) for n in neurons}
    return flags.pop() if len(flags) == 1 else None


def _rebuild(given: str, cls: str, config: dict[str, Any] | None) -> Module:
    if cls not in _REBUILD or config is None or None in config.values():
        raise ValueError(
            f"load: {given} holds a {cls} that cannot be rebuilt from the file; "
            "build the model yourself and pass it: load(path, model)"
        )
    return _REBUILD[cls](**config, seed=0)
