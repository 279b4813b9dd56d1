"""NRM bulletin -> key figures with evidence, checked (a pure function: no I/O, no database).

`extract(document)` reads a Home Office NRM statistics bulletin (plain text, an HTML page or
fragment, or a GOV.UK Content API JSON document), finds its "Key results" list, reads each
bullet clause by clause with the phrasing table, and checks the figures against each other:
`Extraction.figures` are those that passed, `Extraction.withheld` those a check held back.
`check_against_previous` compares a release's restatements with earlier releases. `read_text(text,
period=...)` reads running text that is no bulletin (a written answer, a statement) the same way.

Modules: documents (HTML, text and JSON readers), section (the key results, title, period,
dates), clauses (sentences, clauses and their values), rules (the phrasing table: the one place
where phrasing meets metric), reader (each clause with its population and subject), scope (whose
figures), comparisons (changes and restated counts), nationalities (lists and ranks), reading
(figures and bounded notices), checks (plausibility, then consistency within a release),
crossrelease (between releases), extractor (the entry point).
"""

from scrapers.nrm.crossrelease import CrossReleaseCheck, ReleaseIndex, check_against_previous
from scrapers.nrm.extractor import Extraction, extract, figures_as_json, read_text

__all__ = ("CrossReleaseCheck", "Extraction", "ReleaseIndex", "check_against_previous", "extract", "figures_as_json",
           "read_text")
