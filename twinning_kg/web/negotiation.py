"""Content negotiation: one ``negotiate()`` for the whole app, on Werkzeug's Accept parsing."""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

from werkzeug.datastructures import MIMEAccept

from twinning_kg.errors import NotAcceptable
from twinning_kg.formats import Format


def _media_types(offered: Sequence[Format]) -> list[tuple[str, Format]]:
    """Every media type (aliases included) that selects one of ``offered``, in offer order."""
    pairs: list[tuple[str, Format]] = []
    for fmt in offered:
        pairs.append((fmt.media_type, fmt))
    for alias, fmt in (
        ("application/xhtml+xml", Format.HTML),
        ("application/x-turtle", Format.TURTLE),
        ("application/json", Format.JSONLD),
        ("application/xml", Format.RDFXML),
        ("text/xml", Format.RDFXML),
        # N-Triples' media type before RDF 1.1; rdflib's Graph.parse(url, format="nt") sends it.
        ("text/plain", Format.NTRIPLES),
    ):
        if fmt in offered:
            pairs.append((alias, fmt))
    return pairs


def media_ranges(accept: MIMEAccept) -> MIMEAccept:
    """The ``type/subtype`` ranges of ``accept`` with their q-values, without other parameters.

    Parameters do not stop a match (``text/turtle; charset=utf-8`` is Turtle); entries that are
    not media ranges (``foo``, ``;;;``) are dropped, so a header of only garbage counts as absent.

    >>> from werkzeug.http import parse_accept_header
    >>> list(media_ranges(parse_accept_header("text/turtle;charset=utf-8;q=0.5, foo", MIMEAccept)))
    [('text/turtle', 0.5)]
    """
    ranges: list[tuple[str, float]] = []
    for value, quality in accept:
        media = value.split(";", 1)[0].strip()
        kind, slash, subtype = media.partition("/")
        if slash and kind and subtype:
            ranges.append((media, quality))
    return MIMEAccept(ranges)


def negotiate(
    accept: MIMEAccept,
    offered: Sequence[Format],
    *,
    suffix: Format | None = None,
    format_param: str | None = None,
) -> Format:
    """Pick the representation: URL suffix, then ``?format=``, then ``Accept``.

    No ``Accept`` header (or one without a media range), or only wildcards, gives ``offered[0]``;
    ties go to the earlier offer.

    >>> from werkzeug.http import parse_accept_header
    >>> offer = (Format.HTML, Format.TURTLE)
    >>> negotiate(parse_accept_header("text/turtle", MIMEAccept), offer)
    <Format.TURTLE: 'ttl'>
    >>> negotiate(parse_accept_header("", MIMEAccept), offer)
    <Format.HTML: 'html'>

    :raises NotAcceptable: when nothing on offer matches; the message lists what is.
    """
    if suffix is not None:
        if suffix not in offered:
            raise NotAcceptable(f"This resource is available as: {_listed(offered)}.")
        return suffix
    if format_param:
        fmt = Format.from_extension(format_param) or Format.from_media_type(format_param)
        if fmt is None or fmt not in offered:
            raise NotAcceptable(f"Unknown format {format_param!r}; available: {_listed(offered)}.")
        return fmt
    return _by_accept(tuple(accept), tuple(offered))


def _listed(offered: Sequence[Format]) -> str:
    return ", ".join(f.media_type for f in offered)


@lru_cache(maxsize=256)
def _by_accept(accept: tuple[tuple[str, float], ...], offered: tuple[Format, ...]) -> Format:
    """What ``negotiate`` picks by ``Accept`` alone (kept: clients send the same few headers, and
    Werkzeug's matching took an eighth of a page served from the page cache)."""
    ranges = media_ranges(MIMEAccept(accept))
    if not ranges:
        return offered[0]
    pairs = _media_types(offered)
    best = ranges.best_match([media for media, _fmt in pairs])
    if best is None:
        raise NotAcceptable(
            f"None of the accepted media types is available; try: {_listed(offered)}."
        )
    return dict(pairs)[best]
