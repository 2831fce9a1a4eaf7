"""Common first names in Denmark (lowercase), so a name is checked even at a sentence start.

Written from general knowledge of names common in Denmark across generations and backgrounds;
it does not need to be complete: names mid-sentence are recognised by their capital letter.
"""

from __future__ import annotations


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


FIRST_NAMES = _words(
    """
    aage abdi abdullah adam agnes ahmad ahmed aisha alberte albert alexander ali alice alma
    amalie amanda amir anders andreas anette ann anna anne annette anton arne asger astrid
    august aya benjamin bent bente birgit birgitte birthe bjarne bo bodil britt camilla carl
    carina caroline charlotte christian christina christine clara dan daniel david dennis dorte
    dorthe ebbe elias elin elisabeth ella ellen else emil emilie emma erik erling esben ester
    eva fatima filip flemming frederik freja frida gitte grethe gudrun hanna hanne hans hassan
    heidi helle helen helena helga henning henrik henriette hussein ib ida inge inger ingrid
    isabella jacob jakob jan jane jannik jens jesper jette johan johanne johannes john jonas
    jonathan jørgen jørn julie kaj kamilla karen karin karl kasper katrine kim kirsten kirstine
    klaus knud kristian kristina lars lasse laura lea leo lena lene lilly line lis lisbeth lise
    liva lone lotte louise lucas lukas lykke mads magnus maja malene malthe mads marianne marie
    mario martin mathias mathilde maria mette michael mikkel mille mohamed mohammad mona morten
    muhammad nadia naja nanna nicolai niels nikolaj nina noah nora oliver olivia omar ole oscar
    otto per pernille peter pia poul preben rasmus rikke rita rosa ruth rune sanne sara sarah
    sebastian signe simon sofia sofie solvej susanne svend søren thomas tina tobias tom tove
    troels ulla ulrik valdemar vera victor viggo viktor vilhelm villads william yasmin yusuf
    zainab
    """
)
