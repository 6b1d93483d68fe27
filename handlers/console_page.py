"""An answer page as console text: what it says, and the forms it offers.

`handlers/console_links.py` reads the real page's HTML (handlers/web_page) with
this parser, so the console shows what a browser would, and answers with the
page's own form fields (the hidden CSRF token and intent included).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser

# Tags that start a new line of text.
_BLOCKS = {"p", "h1", "h2", "h3", "li", "dt", "label", "button", "div", "section", "ul", "dl"}
_HEADINGS = {"h1", "h2", "h3"}


@dataclass
class PageForm:
    """One form of the page: its intent, what it sends unseen, its fields, its button."""

    hidden: dict[str, str] = field(default_factory=dict)
    fields: list[str] = field(default_factory=list)  # the names a person fills in
    choices: dict[str, list[str]] = field(default_factory=dict)  # a list field's values
    button: str = ""

    @property
    def intent(self) -> str:
        return self.hidden.get("intent", "")


@dataclass
class PageText(HTMLParser):
    """The text of a page's <main>, line by line (headings marked), and its forms."""

    lines: list[tuple[str, bool]] = field(default_factory=list)  # (text, is a heading)
    forms: list[PageForm] = field(default_factory=list)

    def __post_init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self._in_main = False
        self._heading = False
        self._line = ""
        self._form: PageForm | None = None
        self._select: str | None = None
        self._skip = 0  # inside <option>: shown as the field's choices instead

    @classmethod
    def of(cls, html: str) -> PageText:
        page = cls()
        page.feed(html)
        page.close()
        page._flush()
        return page

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        given = {name: value or "" for name, value in attrs}
        if tag == "main":
            self._in_main = True
        if not self._in_main:
            return
        if tag in _BLOCKS:
            self._flush()
            self._heading = tag in _HEADINGS
            if tag == "li":
                self._line = "- "
        if tag == "form":
            self._form = PageForm()
            self.forms.append(self._form)
        elif tag == "input" and self._form is not None:
            if given.get("type") == "hidden":
                self._form.hidden[given.get("name", "")] = given.get("value", "")
            elif given.get("name"):
                self._form.fields.append(given["name"])
        elif tag in ("textarea", "select") and self._form is not None and given.get("name"):
            self._form.fields.append(given["name"])
            if tag == "select":
                self._select = given["name"]
                self._form.choices[given["name"]] = []
        elif tag == "option":
            self._skip += 1
            if self._form is not None and self._select and given.get("value"):
                self._form.choices[self._select].append(given["value"])

    def handle_endtag(self, tag: str) -> None:
        if tag == "main":
            self._flush()
            self._in_main = False
        elif tag == "option":
            self._skip = max(0, self._skip - 1)
        elif tag == "select":
            self._select = None
        elif tag == "form":
            self._form = None
        elif tag == "dt":
            self._line = self._line.rstrip() + ": "
        elif tag in _BLOCKS:
            self._flush()

    def handle_data(self, data: str) -> None:
        if not self._in_main or self._skip:
            return
        if self._form is not None and self._line == "" and self._is_button_text(data):
            return
        self._line += " ".join(data.split()) + (" " if data[-1:].isspace() else "")

    def _is_button_text(self, data: str) -> bool:
        # The button's text is kept with its form (shown as its own line by the caller).
        text = " ".join(data.split())
        return bool(text) and self.lasttag == "button" and self._remember_button(text)

    def _remember_button(self, text: str) -> bool:
        assert self._form is not None
        self._form.button = text
        return True

    def _flush(self) -> None:
        text = " ".join(self._line.split())
        if text and text != "-":
            self.lines.append((text, self._heading))
        self._line = ""
        self._heading = False
