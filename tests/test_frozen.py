"""`@frozen` (ocpispec/frozen.py) makes what `@dataclass(frozen=True, slots=True)` makes:
the same class, side by side, must construct, compare, hash, repr, replace, list its
fields, match, pickle and refuse assignment the same way."""

from __future__ import annotations

import copy
import dataclasses
import pickle
from dataclasses import dataclass, field

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ocpispec.diagnostics.source import SourceFile, Span
from ocpispec.frozen import frozen
from ocpispec.language import syntax as s


def make(decorator, name):
    """The same class body under two decorators; named as the module global it is bound to,
    so that pickle finds it."""

    class Node:
        """A node."""

        name: str
        size: int
        parts: tuple[int, ...] = ()
        note: str | None = field(default=None, compare=False, repr=False)
        tags: frozenset[str] = field(default_factory=frozenset)

        @property
        def doubled(self) -> int:
            return self.size * 2

    Node.__name__ = Node.__qualname__ = name
    return decorator(Node)


Ours = make(frozen, "Ours")
Theirs = make(dataclass(frozen=True, slots=True), "Theirs")

values = st.tuples(st.text(max_size=5), st.integers(-5, 5), st.tuples(st.integers(0, 3)),
                   st.none() | st.text(max_size=3), st.frozensets(st.sampled_from("abc")))


def both(args):
    return Ours(*args), Theirs(*args)


@given(values, values)
def test_equality_hash_and_repr_agree(a, b):
    (ours_a, theirs_a), (ours_b, theirs_b) = both(a), both(b)
    assert (ours_a == ours_b) == (theirs_a == theirs_b)
    assert hash(ours_a) == hash(theirs_a)
    assert repr(ours_a).replace(Ours.__qualname__, "X") == repr(theirs_a).replace(Theirs.__qualname__, "X")
    assert ours_a != theirs_a  # another class never compares equal


@given(values)
def test_fields_replace_pickle_and_copy_agree(args):
    ours, theirs = both(args)
    assert [(f.name, f.type, f.default, f.compare, f.repr, f.init) for f in dataclasses.fields(ours)] \
        == [(f.name, f.type, f.default, f.compare, f.repr, f.init) for f in dataclasses.fields(theirs)]
    assert dataclasses.is_dataclass(ours)
    assert dataclasses.astuple(ours) == dataclasses.astuple(theirs)
    assert dataclasses.replace(ours, size=9) == Ours(args[0], 9, *args[2:])
    assert pickle.loads(pickle.dumps(ours)) == ours
    assert copy.deepcopy(ours) == ours and copy.copy(ours) == ours
    assert Ours.__match_args__ == Theirs.__match_args__
    assert Ours.__slots__ == Theirs.__slots__


def test_construction_defaults_and_errors_agree():
    assert Ours("a", 1).tags == frozenset() and Ours("a", 1).parts == ()
    assert Ours(name="a", size=2).doubled == 4
    for bad in ((), ("a",), ("a", 1, (), None, frozenset(), "extra")):
        with pytest.raises(TypeError):
            Ours(*bad)
    with pytest.raises(TypeError):
        Ours("a", 1, colour="red")
    node = Ours("a", 1)
    with pytest.raises(dataclasses.FrozenInstanceError, match="cannot assign to field 'size'"):
        node.size = 2
    with pytest.raises(dataclasses.FrozenInstanceError):
        del node.name
    with pytest.raises(AttributeError):
        object.__setattr__(node, "other", 1)  # slots: no instance dict


def test_match_reads_the_fields_in_order():
    match Ours("a", 3):
        case Ours(name, size) if size == 3:
            assert name == "a"
        case _:
            pytest.fail("no match")


def test_post_init_and_fields_outside_init():
    source = SourceFile("x.ocx", "a\nb\n")
    assert source.line_count == 3 and source.line_col(2) == (2, 1)
    assert repr(source) == "SourceFile(name='x.ocx', text='a\\nb\\n')"
    assert source == SourceFile("x.ocx", "a\nb\n")
    assert pickle.loads(pickle.dumps(source)).line_col(2) == (2, 1)


def test_syntax_nodes_are_frozen_dataclasses():
    ident = s.Ident("kwh", Span(0, 3))
    assert ident == s.Ident(name="kwh", span=Span(0, 3)) and hash(ident) == hash(s.Ident("kwh", Span(0, 3)))
    assert repr(ident) == "Ident(name='kwh', span=Span(start=0, end=3))"
    assert dataclasses.replace(ident, name="x").name == "x"
    assert pickle.loads(pickle.dumps(ident)) == ident


@pytest.mark.parametrize("body", [
    "class Bad:\n    a: int = 1\n    b: int\n",
    "class Bad:\n    a: list = []\n",
    "class Bad:\n    a: ClassVar[int] = 1\n",
])
def test_what_frozen_does_not_support_fails_at_class_creation(body):
    with pytest.raises((TypeError, ValueError)):
        exec(f"@frozen\n{body}\nBad(1)", {"frozen": frozen})


def test_fields_cannot_be_inherited():
    with pytest.raises(TypeError, match="inherited"):
        @frozen
        class Child(Ours):
            extra: int = 0


def test_classes_of_one_shape_keep_their_own_names_defaults_and_factories():
    @frozen
    class Left:
        a: int
        b: tuple = ()
        made: list = field(default_factory=list, init=False)
        fixed: str = field(default="x", init=False)

    @frozen
    class Right:
        c: int
        d: tuple = (1,)
        made: dict = field(default_factory=dict, init=False)
        fixed: str = field(default="y", init=False)

    left, right = Left(1), Right(c=2)
    assert (left.a, left.b, left.made, left.fixed) == (1, (), [], "x")
    assert (right.c, right.d, right.made, right.fixed) == (2, (1,), {}, "y")
    assert Left(1).made is not left.made  # a fresh value per instance
    with pytest.raises(TypeError, match=r"Right.__init__\(\) got an unexpected keyword argument 'a'"):
        Right(a=1)
    assert repr(right).endswith(".Right(c=2, d=(1,), made={}, fixed='y')")


def test_the_prebuilt_templates_are_the_module_frozen_writes_and_compile_alike():
    """ocpispec/frozen_inits.py is `prebuilt_source()` (regenerate it with
    `python -c "from ocpispec.frozen import prebuilt_source; print(prebuilt_source(), end='')"
    > ocpispec/frozen_inits.py`), and each of its templates is the code `@frozen` would
    compile for that shape."""
    from pathlib import Path

    import ocpispec.frozen as frozen_module
    shipped = Path(frozen_module.__file__).with_name("frozen_inits.py").read_text(encoding="utf-8")
    assert shipped == frozen_module.prebuilt_source()
    for given in range(frozen_module.PREBUILT + 1):
        for post_init in (False, True):
            source = frozen_module._source(("given",) * given, post_init)
            compiled = next(c for c in compile(source, "<t>", "exec").co_consts
                            if hasattr(c, "co_code"))
            prebuilt = frozen_module._prebuilt(given, post_init)
            for attribute in ("co_code", "co_consts", "co_names", "co_varnames",
                              "co_argcount", "co_name"):
                assert getattr(prebuilt, attribute) == getattr(compiled, attribute), \
                    (given, post_init, attribute)


def test_a_class_of_a_prebuilt_shape_behaves_as_one_compiled():
    @frozen
    class Pair:
        left: int
        right: str = "r"

    assert Pair(1) == Pair(left=1, right="r") and Pair(1).right == "r"
    with pytest.raises(TypeError, match=r"Pair.__init__\(\) missing 1 required positional"):
        Pair()
    with pytest.raises(TypeError, match="got an unexpected keyword argument 'f0'"):
        Pair(f0=1)
