"""The example queries for researchers: one ``.rq`` file each in ``twinning_kg/queries/examples/``.

Each file opens with a comment header that says what it is, in Polish and English::

    # title@en: Partner towns, signing dates and status
    # title@pl: Miasta partnerskie, daty podpisania umów i status
    # description@en: Every partnership of every city in the data …
    # description@pl: Każde partnerstwo każdego miasta w danych …

and declares its own ``PREFIX``es, so the text runs unchanged in any SPARQL client. The header ends
at the first line that is not a comment; other comment lines in it are notes for the reader.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Final

from twinning_kg.sparql.guard import Limits, QueryForm, check_query

PACKAGE: Final = "twinning_kg.queries"
FOLDER: Final = "examples"
LANGUAGES: Final = ("en", "pl")
_FIELD: Final = re.compile(r"^#\s*(title|description)@([a-z]{2,3})\s*:\s*(.*?)\s*$")
_NAME: Final = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")


@dataclass(frozen=True, slots=True)
class Example:
    """One example query: its name (the file name without ``.rq``), texts per language, query."""

    name: str
    title: dict[str, str]
    description: dict[str, str]
    text: str
    form: QueryForm = "SELECT"

    def title_in(self, lang: str) -> str:
        """The title in ``lang``, else in the other language.

        >>> Example("x", {"en": "Partners"}, {}, "ASK {}").title_in("pl")
        'Partners'
        """
        return _in(self.title, lang)

    def description_in(self, lang: str) -> str:
        """The description in ``lang``, else in the other language."""
        return _in(self.description, lang)


def _in(texts: dict[str, str], lang: str) -> str:
    for candidate in (lang, *LANGUAGES):
        if texts.get(candidate):
            return texts[candidate]
    return ""


def parse_example(name: str, text: str) -> Example:
    """Read the header of one example query.

    >>> ex = parse_example("demo", "# title@en: Demo\\n# title@pl: Przykład\\n"
    ...     "# description@en: Shows it.\\n# description@pl: Pokazuje.\\nASK {}\\n")
    >>> ex.title_in("pl"), ex.description_in("en"), ex.form
    ('Przykład', 'Shows it.', 'ASK')

    :raises ValueError: a bad name, or a header without a title and a description in both
        languages.
    :raises TwinningError: a query the endpoint would refuse (an update, SERVICE, no query form).
    """
    if not _NAME.match(name):
        raise ValueError(f"example {name!r}: names are lower-case words joined by '-'")
    fields: dict[str, dict[str, str]] = {"title": {}, "description": {}}
    for line in text.splitlines():
        if not line.startswith("#"):
            break
        match = _FIELD.match(line)
        if match:
            field, lang, value = match.groups()
            fields[field][lang] = value
    for field, texts in fields.items():
        missing = [lang for lang in LANGUAGES if not texts.get(lang)]
        if missing:
            raise ValueError(f"example {name!r} has no {field}@{', @'.join(missing)} header line")
    form = check_query(text, Limits()).form
    return Example(
        name=name, title=fields["title"], description=fields["description"], text=text, form=form
    )


@cache
def _load_all() -> tuple[Example, ...]:
    folder = resources.files(PACKAGE).joinpath(FOLDER)
    entries = sorted(
        (entry for entry in folder.iterdir() if entry.name.endswith(".rq")),
        key=lambda entry: entry.name,
    )
    return tuple(
        parse_example(entry.name.removesuffix(".rq"), entry.read_text(encoding="utf-8"))
        for entry in entries
    )


def load_examples() -> list[Example]:
    """Every example query, sorted by name (read once per process).

    :raises ValueError: an example whose header is incomplete.
    """
    return list(_load_all())


def find_example(name: str) -> Example | None:
    """The example called ``name``, or None."""
    return next((example for example in _load_all() if example.name == name), None)
