"""The answer pages: people reached by email answer an item through a secret link.

`mount_answer_pages(web, bot, settings)` adds them to the web app that
`strategy-bot serve` runs (routes in `routes`, rules in docs/answer-by-link.md).
GET shows, POST acts; forms are described by `forms.FormField`; the one call
into the core is `acting.act`.
"""

from handlers.web_page.routes import AnswerPages, mount_answer_pages

__all__ = ["AnswerPages", "mount_answer_pages"]
