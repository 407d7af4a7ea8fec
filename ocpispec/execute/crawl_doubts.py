"""Why a crawl cannot be proven complete, in words: a text for each kind of client
warning after which a list cannot be proven whole (`DOUBTS`), those a sample fails on
too (`PRIVACY_DOUBTS`), what repeats within a page say about a count the crawl fell
short of (`repeats`), and why an extra list was cut short (`past_budget`). Apart from
`crawls.py`, whose `AuditedFetch.incomplete` picks them by the kinds its crawl's report
holds: seventy lines of wording its logic never reads.
"""

from __future__ import annotations

# of `DOUBTS`, those a sample (`--limit`, `--sample`) fails on too: what it printed or
# would deliver may be a home's (`ocpi.private_copies`)
PRIVACY_DOUBTS = ("private-copy",)
# kinds of client warning after which a list cannot be proven complete
DOUBTS = {
    "all-repeated": "pages repeated objects already sent (the platform may ignore `offset`)",
    "repeat": "the next page would have repeated an earlier one, so paging stopped",
    "link-loop": "next links led to pages of objects sent before, page after page (they lead back to pages "
                 "read already, or the platform ignores `offset`), so paging stopped",
    "shift": "objects may have shifted between pages by more than the overlap read again",
    "shift-unseen": "objects were updated while the list was read, and a count of the whole list cannot "
                    "show the objects that shifted between pages as they left the window (a busy "
                    "platform: run again, the next window reads these objects again; a larger "
                    "`--page-size` puts the window on fewer pages, and one page leaves no doubt)",
    "count-shift": "objects read on one page were updated while the list was read, and as many came into the "
                   "window meanwhile (back-dated), so `X-Total-Count` did not fall: objects behind the updated "
                   "ones may have shifted onto pages read already (a busy platform: run again, the next window "
                   "reads these objects again; a larger `--page-size` puts the window on fewer pages, and one "
                   "page leaves no doubt)",
    "cursor-shift": "objects read on one page were updated before the list was read to the end, and the "
                    "platform pages by a cursor of its own without `X-Total-Count`: objects behind them may "
                    "have shifted onto pages read already (a busy platform: run again, the next window "
                    "reads these objects again; a larger `--page-size` puts the window on fewer pages, and "
                    "one page leaves no doubt; `X-Total-Count` on its pages would show a shift)",
    "cursor-end": "a full page without a next link ended the list, but objects of the window beyond it "
                  "(updated after it, or before it on a list sent newest first) did not arrive (the platform "
                  "left out a link to the next page; run again, and tell the CPO if it persists)",
    "later-copy": "objects came again with a later `last_updated` inside the window than the copy read first "
                  "(the platform lists several versions of one object, or back-dates updates while the list "
                  "is read), and only the copy read first was kept: the version the window should deliver "
                  "may be the other (run again; tell the CPO if it persists)",
    "private-copy": "an object came again saying it is private (a site not published, a charge at one or "
                    "with home charging) after a copy that did not, with no later `last_updated`: which one "
                    "holds cannot be told, and the first copy was read, so what may be a home's would leave "
                    "(tell the CPO; `--accept-incomplete` releases the first copy)",
    "cursor-moved-on": "a page was asked for again after a failure, and the platform's cursor keeps its place on "
                       "the platform (a scroll: each request answers the page after the one answered last), so "
                       "the page whose answer was lost was skipped (run again; ask the CPO for a cursor that "
                       "names its page, or for `X-Total-Count`)",
    "far-repeat": "objects came again far apart in the list, each in another object's place (the platform "
                  "reordered the list while it was read, as one sorting by `last_updated` does with the ties of "
                  "a bulk update when it breaks them differently on each request): the objects whose places they "
                  "took may not have arrived, though the count was met (run again; ask the CPO to sort the list "
                  "by `last_updated` and then by id)",
    "offset-cap": "the list ended after a full page, but objects of the window beyond that page did not arrive "
                  "(the platform answers no page past that depth, as a search index capping how deep a list can "
                  "be paged does, its `X-Total-Count` and next links stopping there too, or it failed to fill a "
                  "page; a shorter window (`between` dates) holds fewer objects than that depth; ask the CPO to "
                  "page past it)",
    "endless": "the list went on growing as it was read, past twice what it held when its first page came, "
               "and was not read to its end (the platform adds objects faster than they are read, ignoring "
               "`date_to`, or its list does not end): objects of the window may not have arrived (run again "
               "later; if it persists, ask the CPO why the list keeps growing)",
    "emptied": "a page came empty twice although it was asked to start with objects read just before, inside "
               "the window (the platform failed to fill it; its next link would have skipped the objects after "
               "them): objects of the window may not have arrived (run again; tell the CPO if it persists)",
    "empty-page-link": "an empty page carried a next link that could not be followed, so the list may go on",
    "empty-pages": "too many empty pages in a row carried next links, so paging stopped",
    "cut-before-filters": "the list ended at an empty page, but its last object lies in the window and did "
                          "not arrive (the platform cuts pages before the date filters apply, or failed to "
                          "fill a page, and sends no `X-Total-Count` or next links to read on by; ask the CPO "
                          "for them)",
}


def past_budget(module: str, role: str | None, pages: int) -> str:
    """Why an extra list (`role`: which) read for a window did not end: it went on past its
    page budget (`execute.extra_lists`)."""
    return (f"`{module}`: {role} went on past {pages:,} pages, more than the window's own list needed, and was "
            "not read to its end (the platform adds records faster than they are read, or its list does not "
            "end): records of the window it holds may not have arrived (run again later; if it persists, ask "
            "the CPO why that list keeps growing)")


def repeats(within: int) -> str:
    """What objects repeated within one page say about a count the crawl fell short of: a
    platform listing an object once per row of a join may count the rows. (The crawl cannot
    take the repeats for the missing objects: repeats across pages may be objects shifting
    between pages over missing ones.)"""
    if not within:
        return ""
    return (f", and pages listed {within:,} again (the platform lists objects more than once within a page; "
            "where its count counts the repeats, only the CPO can fix it: each object once, or a count of objects)")
