"""Answering by link: secret tokens bound to one person and one item, and the links built
from them. `tokens` holds the rules (issue, find, revoke), `urls` builds a link from
PUBLIC_URL. The pages that open them are in handlers/web_page."""
