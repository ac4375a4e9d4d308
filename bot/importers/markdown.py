"""Static-site glossary pages (Hugo, Jekyll, Docusaurus): Markdown with YAML (``---``) or TOML (``+++``) front
matter, one term a page; a folder is searched for ``.md``/``.markdown`` pages recursively.

Front matter: ``title`` (the term), ``aliases``/``aka``/``also_known_as``/``synonyms``, ``tags``,
``category``/``categories``, ``id``/``slug``, ``description`` (the definition when the body has none),
``source``/``attribution`` (the glossary's attribution), ``draft: true`` (skipped).

Body: the text before the first ``#``/``##`` heading is the definition; sections go to the field their heading
names (`prose.HEADINGS`) or are kept as titled sections. Site-relative links become plain text and, when they
lead to another imported page, a related entry; http(s) links stay; shortcodes, Liquid tags and HTML go (their
inner text stays); hard-wrapped lines are joined into paragraphs.
"""

from __future__ import annotations

import html
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from bot.importers.common import Draft, Part, Ref, Report, Unreadable, links_in, read_text, slugify
from bot.importers.prose import heading_field, paragraphs, parse_faq, related_name, split_list
from bot.normalize import normalize

SUFFIXES = (".md", ".markdown")
SECTION_PAGES = ("_index", "index")
_FRONT = re.compile(r"\A(---|\+\+\+)[ \t]*\n(?P<meta>.*?\n)?(?:\1|\.\.\.)[ \t]*(?:\n|\Z)", re.DOTALL)
_HEADING = re.compile(r"^(?P<level>#{1,6})\s+(?P<text>.+?)\s*#*\s*$")
_FENCED = re.compile(r"^(```|~~~).*?^\1[ \t]*$", re.DOTALL | re.MULTILINE)
_LINK = re.compile(
    r"\[(?P<text>[^\]]*)\]\(\s*(?P<target>\{\{.*?\}\}|\{%.*?%\}|<[^>\n]*>|[^)\s]*)(?:\s+[\"'][^\"'\n]*[\"'])?\s*\)"
)
_LINK_ONLY = re.compile(r"^\s*(?:[-*+]\s+)?\[[^\]]*\]\([^)]*\)\s*[.,;]?\s*$")
_IMAGE = re.compile(r"\[!\[[^\]]*\]\([^)]*\)\]\([^)]*\)|!\[[^\]]*\]\([^)]*\)")
_ANCHOR = re.compile(r"<a\s[^>]*?href=[\"'](?P<href>[^\"']*)[\"'][^>]*>(?P<text>.*?)</a\s*>", re.DOTALL | re.IGNORECASE)
_DROPPED = re.compile(r"<!--.*?-->|<(script|style)\b.*?</\1\s*>", re.DOTALL | re.IGNORECASE)
_SHORTCODE = re.compile(r"\{\{[<%]\s*(?P<closing>/)?\s*(?P<name>[\w/.-]*)(?P<args>.*?)[%>]\}\}", re.DOTALL)
_LIQUID = re.compile(r"\{%.*?%\}|\{\{.*?\}\}", re.DOTALL)
_REF = re.compile(r"(?:rel)?ref\s+\"?(?P<path>[^\"\s%>]+)|link\s+(?P<liquid>\S+)")
_AUTOLINK = re.compile(r"<(?P<url>https?://[^>\s]+)>")
_TAG = re.compile(r"</?(?P<name>[a-zA-Z][\w-]*)[^>]*>")
_INLINE_TAGS = {"strong": "**", "b": "**", "em": "*", "i": "*", "code": "`", "br": " "}  # the rest just go
_ADMONITION = re.compile(r"^:::.*$", re.MULTILINE)
_BULLET = re.compile(r"^\s*(?:[-*+•]|\d{1,3}[.)])\s+(?P<text>\S.*)$")
MAX_NAME_WORDS = 6  # a longer line without a list marker is prose, not a name
_ARG = re.compile(r"(?P<key>\w+)=\"(?P<value>[^\"]*)\"")


@dataclass
class _Inline:
    """A page body as plain Markdown, and the site-relative links it had: (line number, page key, link text)."""

    text: str
    targets: list[tuple[int, str, str]]


def read(path: Path, report: Report) -> Part:
    """One page, or every page in a folder (whose top ``_index.md``/``index.md`` names the glossary)."""
    if not path.is_dir():
        draft, attribution, _ = _page(path, read_text(path), report, section_page=False)
        return Part([draft] if draft else [], attribution=attribution)
    files = sorted(p for p in path.rglob("*") if p.suffix.lower() in SUFFIXES and p.is_file())
    if not files:
        raise Unreadable(path, "a folder without .md or .markdown pages")
    part = Part([], files=len(files))
    for file in files:
        stem = file.stem.lower()
        if stem.startswith("_") and stem != "_index":
            report.skip(str(file), "a template or partial (its name starts with '_')")
            continue
        front_page = stem in SECTION_PAGES and file.parent == path
        draft, attribution, title = _page(
            file, read_text(file), report, section_page=stem in SECTION_PAGES, front_page=front_page
        )
        part.attribution = part.attribution or attribution
        if front_page and title:
            part.name = title
            report.warn(str(file), f"the folder's front page: '{title}' is the glossary's name, not an entry")
        elif front_page:
            report.skip(str(file), "the folder's front page, without a title")
        elif draft:
            part.drafts.append(draft)
    return part


def _page(
    path: Path, text: str, report: Report, *, section_page: bool, front_page: bool = False
) -> tuple[Draft | None, str, str]:
    """(the page's entry or None, its attribution, its title); a ``front_page`` gives no entry."""
    where = str(path)
    meta, body, first_line = _front_matter(text, where, report)
    if meta is None:
        return None, "", ""
    title = _text(meta.get("title") or meta.get("term"))
    attribution = _text(meta.get("attribution") or meta.get("source"))
    if meta.get("draft") is True:
        report.skip(where, "a draft (draft: true)")
        return None, attribution, title
    inline = _inline(body, first_line)
    lines = [(first_line + i, line) for i, line in enumerate(inline.text.split("\n"))]
    sections = _sections(lines)
    intro_title = sections[0][1]
    title = title or intro_title
    if front_page:
        return None, attribution, title
    if not title:
        report.skip(where, "no title (front matter 'title' or a '# ' heading)")
        return None, attribution, ""
    stem = path.parent.name if path.stem.lower() in SECTION_PAGES else path.stem
    page_id = _text(meta.get("id")) or _target_key(_text(meta.get("slug"))) or slugify(stem)
    draft = Draft(term=title, where=where, id=page_id)
    _apply_meta(draft, meta, report)
    links: dict[int, list[tuple[str, str]]] = {}
    for number, key, words in inline.targets:
        links.setdefault(number, []).append((key, words))
    related_lines = _fill(draft, sections, links, report)
    draft.related += [
        Ref(words, target=key, optional=True)
        for number, pairs in links.items()
        if number not in related_lines
        for key, words in pairs
    ]
    if not draft.definition:
        draft.definition = _text(meta.get("description"))
    if not draft.has_text():
        what = "only links" if _links_only(body) else "no text"
        report.skip(where, f"'{title}' is a section page with {what}" if section_page else f"'{title}' has {what}")
        return None, attribution, title
    if not draft.definition:
        report.warn(where, f"'{title}' has no definition (no text before its first section); the card will be short")
    return draft, attribution, title


def _front_matter(text: str, where: str, report: Report) -> tuple[dict[str, Any] | None, str, int]:
    """(the front matter, or None when it cannot be read; the body; the body's first line number)."""
    match = _FRONT.match(text)
    if not match:
        return {}, text, 1
    raw = match["meta"] or ""
    try:
        meta = tomllib.loads(raw) if match[1] == "+++" else yaml.safe_load(raw)
    except (yaml.YAMLError, tomllib.TOMLDecodeError) as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f":{mark.line + 2}" if mark else ""
        report.skip(f"{where}{line}", f"front matter is not valid ({str(exc).splitlines()[0]})")
        return None, "", 0
    body = text[match.end() :]
    meta = {str(key).lower(): value for key, value in meta.items()} if isinstance(meta, dict) else {}
    return meta, body, text[: match.end()].count("\n") + 1


def _inline(body: str, first_line: int) -> _Inline:
    """``body`` with links, shortcodes and HTML turned into plain Markdown; never adds or removes a line."""
    targets: list[tuple[int, str, str]] = []
    out: list[str] = []
    position = 0
    for fence in [*_FENCED.finditer(body), None]:
        end = fence.start() if fence else len(body)
        out.append(_plain(body[position:end], first_line + body.count("\n", 0, position), targets))
        if fence:
            out.append(fence[0])
            position = fence.end()
    return _Inline("".join(out), targets)


def _plain(text: str, first: int, targets: list[tuple[int, str, str]]) -> str:
    """`_inline` for text outside code fences; ``first`` is its first line's number in the page."""

    def keep_lines(match: re.Match[str]) -> str:
        return "\n" * match[0].count("\n")

    def at(match: re.Match[str], source: str) -> int:
        return first + source.count("\n", 0, match.start())

    def shortcode(match: re.Match[str], source: str) -> str:
        args = dict((m["key"], m["value"]) for m in _ARG.finditer(match["args"]))
        key = args.get("term_id") or args.get("term") or ""
        words = args.get("text") or ""
        if key:
            targets.append((at(match, source), slugify(key), words or key))
        return words + keep_lines(match)

    def link(match: re.Match[str], source: str) -> str:
        words, target = match["text"], match["target"].strip("<>")
        if re.match(r"https?://", target):
            return f"[{words}]({target})" if words.strip() else target
        ref = _REF.search(target) if target.startswith("{") else None
        path = (ref["path"] or ref["liquid"]) if ref else ("" if target.startswith("{") else target)
        key = "" if path.startswith(("#", "mailto:")) else _target_key(path)
        if key:
            targets.append((at(match, source), key, " ".join(words.split())))
        return words

    text = _DROPPED.sub(keep_lines, text)
    text = _IMAGE.sub("", text)
    text = _ANCHOR.sub(lambda m: f"[{m['text']}]({m['href']})", text)
    text = _LINK.sub(lambda m: link(m, text), text)
    text = _SHORTCODE.sub(lambda m: shortcode(m, text), text)
    text = _LIQUID.sub(keep_lines, text)
    text = _AUTOLINK.sub(lambda m: m["url"], text)
    text = _TAG.sub(lambda m: _INLINE_TAGS.get(m["name"].lower(), "") + keep_lines(m), text)
    return _ADMONITION.sub("", html.unescape(text))


def _target_key(path: str) -> str:
    """The page a site-relative link leads to: ``/docs/cloud-native-tech/`` → ``cloud-native-tech``."""
    parts = [p for p in re.split(r"[#?]", path, maxsplit=1)[0].split("/") if p not in ("", ".", "..")]
    if not parts:
        return ""
    last = re.sub(r"\.(?:md|markdown|html?)$", "", parts[-1], flags=re.IGNORECASE)
    if last.lower() in SECTION_PAGES and len(parts) > 1:
        last = parts[-2]
    return slugify(last)


def _sections(lines: list[tuple[int, str]]) -> list[tuple[str, str, list[tuple[int, str]]]]:
    """[(field, heading, lines)]; the first is the text before any section, with the page's ``# `` title."""
    sections: list[tuple[str, str, list[tuple[int, str]]]] = [("definition", "", [])]
    for number, line in lines:
        heading = _HEADING.match(line)
        if heading and len(heading["level"]) == 1 and not sections[0][1] and len(sections) == 1:
            sections[0] = ("definition", heading["text"], sections[0][2])  # the page's own title
        elif heading and len(heading["level"]) <= 2:
            title = heading["text"].strip().rstrip(":")
            sections.append((heading_field(title), title, []))
        elif heading:
            sections[-1][2].append((number, f"**{heading['text'].strip()}**"))
        else:
            sections[-1][2].append((number, line))
    return sections


def _fill(
    draft: Draft,
    sections: list[tuple[str, str, list[tuple[int, str]]]],
    links: dict[int, list[tuple[str, str]]],
    report: Report,
) -> set[int]:
    """Put each section where it belongs; return the line numbers of the related sections."""
    related_lines: set[int] = set()
    for key, title, numbered in sections:
        text = paragraphs((line for _, line in numbered), wrapped=True)
        if key in ("definition", "example", "why_it_matters"):
            draft.add_text(key, text)
        elif key == "aliases":
            draft.aliases += split_list(text.replace("\n", ";"), commas=True)
        elif key == "faq":
            faq = parse_faq([(f"{draft.where}:{n}", line) for n, line in numbered], draft.term, report.warn)
            draft.faq += faq
        elif key == "related":
            related_lines.update(n for n, _ in numbered)
            _related(draft, title, numbered, links, report)
        elif key == "links" and links_in(text)[0]:
            found, rest = links_in(text)
            draft.links += found
            if any(piece.strip(" -*") for piece in rest):
                draft.sections.append((title, text))
        elif text:
            draft.sections.append((title, text))
    return related_lines


def _related(
    draft: Draft, title: str, numbered: list[tuple[int, str]], links: dict[int, list[tuple[str, str]]], report: Report
) -> None:
    """A "Related terms" section: each link to a page, each see-also link, and each name given as a list item or
    a short line; a paragraph of prose stays as a section under the heading (its links still count)."""
    prose: list[str] = []
    paragraph: list[tuple[int, str]] = []
    in_item = False

    def flush() -> None:
        number, line = paragraph[0] if paragraph else (0, "")
        if len(paragraph) == 1 and number not in links and len(line.split()) <= MAX_NAME_WORDS:
            _name(draft, number, line, report)
        elif paragraph and (len(paragraph) > 1 or len(line.split()) > MAX_NAME_WORDS):
            prose.extend([*(text for _, text in paragraph), ""])
        paragraph.clear()

    for number, line in numbered:
        draft.related += [
            Ref(words, target=key, where=f"{draft.where}:{number}") for key, words in links.get(number, [])
        ]
        bullet = _BULLET.match(line)
        if not line.strip() or bullet:
            flush()
            in_item = bool(bullet)
            if bullet and number not in links:
                _name(draft, number, bullet["text"], report)
        elif not in_item:  # a list item's wrapped lines are part of it
            paragraph.append((number, line))
    flush()
    if prose:
        draft.sections.append((title, paragraphs(prose, wrapped=True)))


def _name(draft: Draft, number: int, text: str, report: Report) -> None:
    """A related item without a link to a page: see-also links, or the name it gives."""
    found, rest = links_in(text)
    draft.links += found
    words = " ".join(rest)
    if found and not words.strip(" -*"):
        return
    name, alias = related_name(words)
    if name:
        draft.related.append(Ref(name, alias, where=f"{draft.where}:{number}"))
    else:
        report.warn(f"{draft.where}:{number}", f"related item names no term ('{text.strip()[:50]}'); left out")


def _apply_meta(draft: Draft, meta: dict[str, Any], report: Report) -> None:
    names: list[str] = []
    for key in ("aliases", "aka", "also_known_as", "synonyms"):
        names += _list(meta.get(key))
    redirects = [n for n in names if n.startswith("/") or "://" in n]
    if redirects:
        report.warn(draft.where, f"aliases {redirects} are page addresses (Hugo redirects), not names; left out")
    draft.aliases += [n for n in names if n not in redirects and normalize(n) != normalize(draft.term)]
    categories = _list(meta.get("category")) + _list(meta.get("categories"))
    draft.category = categories[0] if categories else ""
    draft.tags += categories[1:] + _list(meta.get("tags"))


def _list(value: Any) -> list[str]:
    if isinstance(value, list):
        return [_text(v) for v in value if _text(v)]
    return split_list(_text(value), commas=True) if value else []


def _text(value: Any) -> str:
    return " ".join(str(value).split()) if value is not None and not isinstance(value, dict | list) else ""


def _links_only(body: str) -> bool:
    """Whether every line of ``body`` with text is a heading or nothing but a link (a stub page)."""
    lines = [line for line in body.split("\n") if line.strip() and not _HEADING.match(line)]
    return bool(lines) and all(_LINK_ONLY.match(line) for line in lines)
