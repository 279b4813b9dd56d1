"""Whether a text is on the briefing's subjects: the filter of sources that publish on everything.

Parliament (every department's questions) and the National Crime Agency (every crime) are read
for what their texts say about modern slavery, trafficking and exploitation: a word list stricter
than the topic tags of scrapers/topics.toml, where "trafficking" alone is enough (in a source on
the subject it means human trafficking; in the NCA's news it is as often drugs or firearms).
"""

from __future__ import annotations

import re

# "trafficked" is about people unless drugs or weapons follow it ("trafficked cocaine into the UK")
_TRAFFICKED = r"trafficked(?!\s+(?:\w+\s+)?(?:drugs|cocaine|heroin|cannabis|firearms|guns|weapons|ammunition|class a))"
_CORE = (
    r"slavery|servitude|forced (?:or compulsory )?labour|human trafficking|" + _TRAFFICKED + r"|anti-trafficking|"
    r"victims? of trafficking|(?:people|child|sex|labour) trafficking|trafficking (?:of|in) (?:people|persons|women|"
    r"children|girls|boys|humans)|national referral mechanism|\bNRM\b|duty to notify|labour exploitation|"
    r"sexual exploitation|criminal exploitation|county lines|gangmasters?\b|labour abuse"
)
ON_SUBJECT = re.compile(_CORE, re.I)
# The NCA also reports people smuggling, which the briefing follows as organised immigration crime.
ON_SUBJECT_OR_SMUGGLING = re.compile(_CORE + r"|organised immigration crime|people[ -]smuggl", re.I)


def on_subject(text: str) -> bool:
    """True when `text` speaks of modern slavery, trafficking of people or exploitation."""
    return bool(ON_SUBJECT.search(text))


def on_subject_or_smuggling(text: str) -> bool:
    """on_subject, or organised immigration crime (people smuggling)."""
    return bool(ON_SUBJECT_OR_SMUGGLING.search(text))
