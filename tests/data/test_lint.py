"""Generation lint: the label says one thing, the code uses another generation's API."""

from __future__ import annotations

import pytest

from bbjcoder.data.lint import lint_generation, strip_comments_and_strings

GUI = 'sysgui! = BBjAPI().openSysGui("X0")\nwin! = sysgui!.addWindow(10,10,200,100,"Hi")\nprocess_events\n'


def test_character_code_using_bbjapi_warns():
    (message,) = lint_generation("v! = BBjAPI().makeVector()\n", "character")
    assert message == ("code uses BBjAPI() (BBj only), which character lacks, but the example is labelled "
                       "generation: character; fix the label or the code")


def test_dwc_only_api_in_vpro5_example_warns():
    found = lint_generation("wm! = BBjAPI().getWebManager()\n", ["vpro5"])
    assert any("DWC-only APIs" in m and "vpro5 lacks" in m for m in found)


@pytest.mark.parametrize("code, generation", [
    (GUI, ["bbj-gui", "dwc"]),
    ("wm! = BBjAPI().getWebManager()\n", "dwc"),
    ('if BBjAPI().isInMode(BBjAPI.MODE_DWC) then wm! = BBjAPI().getWebManager()\n', ["bbj-gui", "dwc"]),
    ("class public Counter\nclassend\n", "all"),
    ('rem BBjAPI().openSysGui("X0")\nprint "process_events"\n', "character"),
    (GUI, ["vpro5", "bbj-gui"]),  # the bbj-gui half of a comparison or migration example
])
def test_no_warning_when_the_label_fits(code, generation):
    assert lint_generation(code, generation) == []


def test_list_label_warns_only_when_no_labelled_generation_fits():
    found = lint_generation(GUI, ["character", "vpro5"])
    assert any("character, vpro5 lacks" in m for m in found)


def test_gui_code_labelled_all_warns():
    found = lint_generation(GUI, "all")
    assert len(found) == 1 and "the BBj GUI" in found[0] and "character, vpro5 lacks" in found[0]


def test_vpro5_mnemonics_in_dwc_example_warn():
    found = lint_generation("print (sysgui)'window'(100,100,200,200,\"x\",$00010083$,$$)\n", "dwc")
    assert len(found) == 1 and "Visual PRO/5 SYSGUI mnemonics" in found[0]


def test_strip_comments_and_strings():
    assert strip_comments_and_strings('a$ = "BBjAPI()" ; rem BBjAPI()\nrem all of it\nx = 1') == 'a$ = "" ;\n\nx = 1'
