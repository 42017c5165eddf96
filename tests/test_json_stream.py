"""write_json streams a document member by member and gives to_json's text exactly."""

import io

from hypothesis import given, settings
from hypothesis import strategies as st

from cipms_cli.output.formats import Streamed, to_json, write_json

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**12), 10**12),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=12),  # line breaks, quotes and backslashes included
)
values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner, max_size=4)
    ),
    max_leaves=20,
)
documents = st.dictionaries(
    st.text(max_size=8),
    st.tuples(st.booleans(), st.one_of(values, st.lists(values, max_size=5))),
    max_size=6,
)


def streamed(text_of, document):
    buffer = io.StringIO()
    write_json(buffer, text_of(document))
    return buffer.getvalue()


@settings(max_examples=300, deadline=None)
@given(documents)
def test_streaming_gives_the_same_text_as_encoding_the_whole(members):
    whole = {key: value for key, (_, value) in members.items()}
    parts = {
        key: Streamed(iter(value)) if stream and isinstance(value, list) else value
        for key, (stream, value) in members.items()
    }
    assert streamed(lambda d: d, parts) == to_json(whole)


def test_empty_document_and_empty_streamed_table():
    assert streamed(lambda d: d, {}) == to_json({}) == "{}\n"
    document = {"schema_version": 1, "rows": Streamed(iter([])), "more": [{"a": [1, {}]}]}
    assert streamed(lambda d: d, document) == to_json(
        {"schema_version": 1, "rows": [], "more": [{"a": [1, {}]}]}
    )
