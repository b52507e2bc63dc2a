"""The BBj vocabulary the parser needs: verbs, clause words, options and built-in function types.

Keywords are case-insensitive, so every table here is lower-case. Sources: the BASIS documentation
(verb and function reference) and the keyword set of the open-source BBj language server grammar.
Only CLASSEND, METHODEND and INTERFACEEND are hard-reserved; every other word here may also be used
as a name where the grammar allows one (`obj!.remove()`, `method public boolean save()`).
"""

from __future__ import annotations

__all__ = [
    "VERBS",
    "RESERVED",
    "ACCESS",
    "OPEN_OPTIONS",
    "STRING_FUNCTIONS",
    "NUMERIC_FUNCTIONS",
    "FUNCTION_TYPES",
    "SPECIAL_LABELS",
    "RECORD_VERBS",
    "SYSTEM_VARIABLES",
]

# Verbs that may begin a statement. Those with their own grammar are parsed by name in parser.py;
# the rest take the generic form `VERB [(channel, OPT=...)] [item {, item}]`.
VERBS = frozenset(
    """
    addr background begin break bye call callback chanopt chdir clear clearp clipclear clipfromfile
    clipfromstr cliplock cliptofile clipunlock close continue data def delete denum dim direct dread
    drop dump end endtrace enter erase escape execute exit exitto extract file fileopt find
    floatingpoint fnend fnerr for fulltext gosub goto if indexed initfile input inpute inputn iolist
    lcheckin let lock mkdir mkeyed next on open precision prefix print process_events read redim
    release remove remove_callback rename repeat resclose reset restore retry return rmdir run save
    savep select serial setday seterr setesc setopts setterm settime settrace sort sqlclose sqlcommit
    sqlexec sqlopen sqlprep sqlrollback sqlset start stop string switch table throw unlock until
    updatelic vkeyed wait wend while write xcall xfile xkeyed mkeyed
    class classend interface interfaceend field method methodend methodret declare use
    else endif fi case swend default
    readrecord writerecord printrecord inputrecord extractrecord findrecord
    setdrive cwdir edit list merge load new
    """.split()
)

# Verbs that also have a `VERB RECORD` form.
RECORD_VERBS = frozenset("read write print input extract find".split())

# Words that can never name a variable.
RESERVED = frozenset({"classend", "methodend", "interfaceend"})

ACCESS = frozenset({"public", "private", "protected"})

# OPEN takes only these options (BASIS docs; the language server checks the same set).
OPEN_OPTIONS = frozenset({"mode", "tim", "isz", "err"})

# `*NEXT`-style targets allowed wherever a label reference is.
SPECIAL_LABELS = frozenset(
    {"next", "same", "escape", "break", "continue", "end", "endif", "exit", "proceed", "retry", "return", "stop"}
)

# Built-in functions whose result is a string although their names carry no `$`. Only names whose
# result type is certain are listed; any other call is left untyped so it never causes a type error.
STRING_FUNCTIONS = frozenset(
    """
    and ath bin chr cpl cvs date fattr fbin fid fill fin hta info ior key keyf keyl keyn keyp lst
    not pad pgm sqlfetch sqltmpl stbl str xor
    """.split()
)

NUMERIC_FUNCTIONS = frozenset(
    """
    abs asc atn cos dec dsz ept fpt ind int jul len log mask max min mod num pos rnd round sgn sin
    sqr tan tcb unt
    """.split()
)

FUNCTION_TYPES: dict[str, str] = {name: "S" for name in STRING_FUNCTIONS}
FUNCTION_TYPES.update({name: "N" for name in NUMERIC_FUNCTIONS})

# System variables read without parentheses. Their type does not follow the suffix rule
# (`DAY` is a string), so they are typed here; unknown ones are left untyped ("A").
SYSTEM_VARIABLES: dict[str, str] = {
    "day": "S", "ssn": "S", "opts": "S", "rev": "S", "dsk": "A", "pfx": "A", "sys": "A", "lcheckout": "A",
    "tim": "N", "err": "N", "unt": "N", "ctl": "N", "dsz": "N", "ret": "N", "tsk": "A", "ind": "N",
    "argc": "N", "null": "A", "fid": "A",
}
