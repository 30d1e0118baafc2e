"""Check the personal-data screen's name lists against Voikko; refresh ``[collisions]``.

Without Voikko the screen recognises names by the case forms it generates from its lists
(:func:`cafe.domain.privacy.name_forms`). Some of those forms are ordinary Finnish words:
"pian" (Pia's / soon), "päivin" (Päivi's / by day). This script asks Voikko about every
generated form and prints those it also reads as an ordinary word (a noun, verb, adverb...),
leaving out forms of names already listed as ambiguous; with ``--write`` it replaces the
``[collisions]`` section of ``cafe/domain/data/privacy_lexicon.txt`` with them. It also lists
the listed names whose base form Voikko reads as an ordinary word but that are not in
``[ambiguous]``, for a person to judge.

    .venv/bin/python -m bench.privacy_lexicon [--write]
"""

from __future__ import annotations

import argparse
import re
import textwrap

from cafe.domain import privacy
from cafe.domain.voikko import voikko_handle

_PROPER = {"etunimi", "sukunimi", "paikannimi", "nimi"}


def _ordinary(voikko: object, word: str, surname: bool) -> bool:
    """Whether Voikko reads ``word`` as an ordinary word, leaving out what the screen itself
    leaves out (rare adjectives like "mäkinen") and compounds ("virta+silta" for Virtasilta),
    which hardly occur in a post."""
    analyses = voikko.analyze(word)  # type: ignore[attr-defined]
    for a in analyses:
        cls, base = a.get("CLASS", ""), a.get("BASEFORM", "").lower()
        if cls in _PROPER or privacy._rare_adjective(cls, base, surname):
            continue
        roots = [b for b in re.findall(r"\(([^)]*)\)", a.get("WORDBASES", "")) if b[:1] != "+"]
        if len(roots) > 1:
            continue
        return True
    return False


def collisions() -> tuple[list[str], list[str]]:
    """(forms that are also ordinary words, listed names Voikko reads as ordinary words)."""
    voikko = voikko_handle()[0]
    if voikko is None:
        raise SystemExit("Voikko is not installed (bash scripts/ensure-voikko)")
    lexicon = privacy._lexicon()
    forms = []
    for form, names in sorted(privacy._name_index().items()):
        if names <= lexicon.ambiguous or form in names:
            continue  # weak already, or the base form itself (judged below)
        if _ordinary(voikko, form, bool(names & lexicon.last)):
            forms.append(form)
    bases = sorted(
        n
        for n in lexicon.names
        if n not in lexicon.ambiguous and _ordinary(voikko, n, n in lexicon.last)
    )
    return forms, bases


def main(argv: list[str] | None = None) -> None:
    """Print the collisions; with --write, store them in the lexicon."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--write", action="store_true", help="replace [collisions] in place")
    args = parser.parse_args(argv)
    forms, bases = collisions()
    print(f"{len(forms)} generated forms are also ordinary words:")
    print(textwrap.fill(" ".join(forms), 92))
    print(f"\n{len(bases)} listed names Voikko also reads as ordinary words (not [ambiguous]):")
    print(textwrap.fill(" ".join(bases), 92))
    if args.write:
        path = privacy.LEXICON_PATH
        content = path.read_text("utf-8")
        section = re.compile(r"(\[collisions\]\n(?:#[^\n]*\n)*)(.*?)(?=\n\[)", re.DOTALL)
        body = textwrap.fill(" ".join(forms), 92) + "\n"
        new, count = section.subn(lambda m: m.group(1) + body, content)
        if count != 1:
            raise SystemExit(f"{path}: no [collisions] section followed by another section")
        path.write_text(new, "utf-8")
        print(f"\nwrote {len(forms)} forms to {path}")


if __name__ == "__main__":
    main()
