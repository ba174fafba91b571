"""The pages around the SPARQL endpoint for people: the query editor and the example queries.

``/sparql`` without a query shows the editor to browsers (``query_page``): YASGUI, vendored under
``static/vendor/yasgui/`` and set up by ``static/sparql.js`` from a JSON block in the page, so no
inline script runs and nothing is fetched from another host. ``/queries`` lists the examples of
``twinning_kg.examples`` as HTML or JSON, with links that open or run each one.
"""

from __future__ import annotations

import json
import unicodedata
from typing import Final

from flask import Response, g, render_template, request, url_for

from twinning_kg.errors import NotFound
from twinning_kg.examples import Example, find_example, load_examples
from twinning_kg.formats import Format
from twinning_kg.settings import CANONICAL_BASE_IRI
from twinning_kg.vocabulary import PREFIXES
from twinning_kg.web.caching import make_cacheable
from twinning_kg.web.i18n import DEFAULT_LANGUAGE, LANGUAGES, TEXT
from twinning_kg.web.negotiation import negotiate
from twinning_kg.web.resolver import RESOURCE_ROOTS
from twinning_kg.web.views import current_settings, current_store

QUERIES_FORMATS: Final = (Format.HTML, Format.JSONLD)
#: The two stylesheets YASGUI's table column resizer (column-resizer, bundled in
#: vendor/yasgui/yasgui.min.js) inserts as <style> elements: its layout rules, and the cursor while
#: a column is dragged. The editor page allows exactly these by hash (no 'unsafe-inline');
#: tests/app/test_examples.py recomputes them from the vendored file.
YASGUI_STYLE_HASHES: Final = (
    "'sha256-zCK2EVMoPc04mRF/g5CotUvxbJPWS+8V0b+s9ptqQIk='",
    "'sha256-c0O6TmFAkgpNbHxKAa1BrveWHHopjEtC47i0PzMudxg='",
)
#: The prefixes a new query in the editor declares (the query page knows every one in PREFIXES).
EDITOR_PREFIXES: Final = (
    "twin", "rdfs", "skos", "dcterms", "prov", "geo", "owl", "schema", "wd", "xsd",
)  # fmt: skip
_DEFAULT_QUERY: Final = """
SELECT ?partnership ?label ?start ?status
WHERE {{
  ?partnership a twin:Partnership ;
    rdfs:label ?label ;
    twin:startDate ?start .
  FILTER (LANG(?label) = "{lang}")
  OPTIONAL {{
    ?partnership twin:status/skos:prefLabel ?status .
    FILTER (LANG(?status) = "{lang}")
  }}
}}
ORDER BY ?start
"""


def default_query(lang: str) -> str:
    """The query the editor opens with: the ontology's prefixes and the partnerships.

    >>> print(default_query("pl").splitlines()[0])
    PREFIX twin: <https://twinning.example.org/def/twinning/>
    """
    lang = lang if lang in LANGUAGES else DEFAULT_LANGUAGE  # the one value put into the text
    declarations = "\n".join(f"PREFIX {name}: <{PREFIXES[name]}>" for name in EDITOR_PREFIXES)
    return declarations + "\n" + _DEFAULT_QUERY.format(lang=lang)


def by_title(examples: list[Example], lang: str) -> list[Example]:
    """The examples in the alphabetical order of their titles in ``lang`` (accents ignored).

    >>> [e.name for e in by_title(
    ...     [Example("b", {"pl": "Zapytanie"}, {}, ""), Example("a", {"pl": "Ósemka"}, {}, "")],
    ...     "pl")]
    ['a', 'b']
    """

    def key(example: Example) -> str:
        title = unicodedata.normalize("NFKD", example.title_in(lang).casefold())
        return "".join(c for c in title if not unicodedata.combining(c))

    return sorted(examples, key=key)


def _results_url(example: Example) -> str:
    """A link that runs the example and returns its results (JSON, or Turtle for graphs)."""
    fmt = "json" if example.form in ("SELECT", "ASK") else "ttl"
    return url_for("sparql.endpoint", query=example.text, format=fmt)


def query_page(example_name: str | None) -> Response:
    """The query editor (YASGUI), opened on the named example (and running it) or the default.

    :raises NotFound: no example has that name.
    """
    selected: Example | None = None
    if example_name:
        selected = find_example(example_name)
        if selected is None:
            raise NotFound(f"There is no example query called {example_name!r}; see /queries.")
    lang = g.lang
    base_iri = current_settings().base_iri
    examples = by_title(load_examples(), lang)
    config = {
        "endpoint": url_for("sparql.endpoint"),
        "query": selected.text if selected else default_query(lang),
        "run": selected is not None,
        "selected": selected.name if selected else None,
        "prefixes": {name: str(namespace) for name, namespace in PREFIXES.items()},
        "examples": [
            {"name": ex.name, "title": ex.title_in(lang), "query": ex.text} for ex in examples
        ],
        "text": {"truncated": TEXT[lang]["truncated"], "tab": TEXT[lang]["query_text"]},
        # IRIs this server publishes, and the local path each prefix resolves to: result links
        # stay on this host, as on every other page.
        "localIris": [
            [(base_iri if follows_base else CANONICAL_BASE_IRI) + root + "/", f"/{root}/"]
            for root, follows_base in RESOURCE_ROOTS.items()
        ],
    }
    body = render_template(
        "sparql.html",
        lang=lang,
        config=config,
        examples=[
            {"name": ex.name, "title": ex.title_in(lang), "description": ex.description_in(lang)}
            for ex in examples
        ],
        selected=selected.name if selected else "",
        query_text=config["query"],
    )
    response = Response(body, mimetype="text/html")
    response.headers["Vary"] = "Accept, Accept-Language"
    g.csp_style_hashes = YASGUI_STYLE_HASHES
    variant = f"ui\0{lang}\0{selected.name if selected else ''}"
    return make_cacheable(response, request, version=current_store().version, variant=variant)


def examples_index() -> Response:
    """The example queries: titles, descriptions, texts and links, as HTML or JSON."""
    fmt = negotiate(
        request.accept_mimetypes, QUERIES_FORMATS, format_param=request.args.get("format")
    )
    lang = g.lang
    examples = load_examples()
    if fmt is Format.JSONLD:
        payload = {
            "endpoint": url_for("sparql.endpoint"),
            "examples": [
                {
                    "name": ex.name,
                    "title": ex.title,
                    "description": ex.description,
                    "form": ex.form,
                    "query": ex.text,
                    "editor": url_for("sparql.endpoint", example=ex.name),
                    "results": _results_url(ex),
                }
                for ex in examples
            ],
        }
        body = json.dumps(payload, ensure_ascii=False, indent=2)
        response = Response(body, mimetype="application/json")
    else:
        examples = by_title(examples, lang)
        items = [
            {
                "name": ex.name,
                "title": ex.title_in(lang),
                "description": ex.description_in(lang),
                "form": ex.form,
                "text": ex.text,
                "editor": url_for("sparql.endpoint", example=ex.name, lang=lang),
                "results": _results_url(ex),
                "results_format": "JSON" if ex.form in ("SELECT", "ASK") else "Turtle",
            }
            for ex in examples
        ]
        body = render_template("queries.html", examples=items, lang=lang)
        response = Response(body, mimetype="text/html")
    response.headers["Vary"] = "Accept, Accept-Language"
    variant = f"queries\0{fmt.value}\0{lang}"
    return make_cacheable(response, request, version=current_store().version, variant=variant)
