"""The Modelfile: its TEMPLATE renders exactly what the training chat template renders; stops and defaults are there."""

from __future__ import annotations

import pytest

from bbjcoder.errors import ExportError
from bbjcoder.export.gotemplate import GoTemplateError, render_go_template
from bbjcoder.export.modelfile import chat_format, parse_modelfile

SYS = "You are an expert BBj programmer. Target: the BBj DWC."
CONVERSATIONS = {
    "system + user": [{"role": "system", "content": SYS}, {"role": "user", "content": "Print Hello World."}],
    "user only": [{"role": "user", "content": "Print Hello World."}],
    "multi-turn with system": [
        {"role": "system", "content": SYS},
        {"role": "user", "content": "Open CUSTFILE."},
        {"role": "assistant", "content": '```bbj\nch = unt\nopen (ch)"CUSTFILE"\n```'},
        {"role": "user", "content": "Now close it."},
    ],
    "multi-turn without system": [
        {"role": "user", "content": "a"}, {"role": "assistant", "content": "b"},
        {"role": "user", "content": "c"}, {"role": "assistant", "content": "d\n"}, {"role": "user", "content": "e"},
    ],
    "awkward content": [
        {"role": "system", "content": "  leading and trailing spaces \n"},
        {"role": "user", "content": 'Go template syntax {{ .Content }} and {{- end }}, "quotes", `ticks`, ünïcode ✓\n\n'},
    ],
}


def _messages(msgs):
    """Ollama's template data: .Messages with .Role and .Content."""
    return {"Messages": [{"Role": m["role"], "Content": m["content"]} for m in msgs]}


@pytest.fixture(scope="module")
def modelfile(full_export):
    return parse_modelfile((full_export.export_dir / "Modelfile").read_text(encoding="utf-8"))


@pytest.mark.parametrize("name", sorted(CONVERSATIONS))
def test_template_renders_like_apply_chat_template(modelfile, tok, name):
    msgs = CONVERSATIONS[name]
    want = tok.apply_chat_template(msgs, tokenize=False, add_generation_prompt=True)
    assert render_go_template(modelfile["TEMPLATE"], _messages(msgs)) == want


def test_template_continues_a_final_assistant_message_like_continue_final_message(modelfile, tok):
    msgs = CONVERSATIONS["multi-turn with system"] + [{"role": "assistant", "content": "close ("}]
    want = tok.apply_chat_template(msgs, tokenize=False, continue_final_message=True)
    assert render_go_template(modelfile["TEMPLATE"], _messages(msgs)) == want


def test_modelfile_system_is_what_ollama_puts_first(modelfile, tok):
    """Ollama prepends SYSTEM as a system message when a request has none; the result is a trained-format prompt."""
    msgs = CONVERSATIONS["user only"]
    with_system = [{"role": "system", "content": modelfile["SYSTEM"]}, *msgs]
    want = tok.apply_chat_template(with_system, tokenize=False, add_generation_prompt=True)
    assert render_go_template(modelfile["TEMPLATE"], _messages(with_system)) == want
    assert "BBj" in modelfile["SYSTEM"] and "Visual PRO/5" in modelfile["SYSTEM"] and "DWC" in modelfile["SYSTEM"]


def test_modelfile_stops_parameters_and_from(modelfile, full_export):
    params = modelfile["PARAMETER"]
    assert [v for k, v in params if k == "stop"] == ["<|im_end|>", "<|endoftext|>"]
    assert dict(params)["temperature"] == "0.2" and dict(params)["top_p"] == "0.9"
    assert dict(params)["num_ctx"] == "256"  # min(4096, the tiny fixture's 256-token context)
    assert (full_export.export_dir / modelfile["FROM"]).is_file()


def test_position_dependent_template_is_refused():
    import jinja2

    qwen_default_system = (
        "{%- if messages[0]['role'] != 'system' %}{{- '<|im_start|>system\\nYou are Qwen.<|im_end|>\\n' }}{%- endif %}"
        "{%- for m in messages %}{{- '<|im_start|>' + m['role'] + '\\n' + m['content'] + '<|im_end|>\\n' }}{%- endfor %}"
        "{%- if add_generation_prompt %}{{- '<|im_start|>assistant\\n' }}{%- endif %}"
    )
    template = jinja2.Environment().from_string(qwen_default_system)
    with pytest.raises(ExportError, match="chat template is not a per-message template: a system/user/assistant/user/assistant conversation"):
        chat_format(lambda msgs, gen: template.render(messages=msgs, add_generation_prompt=gen))


# --- the Go template subset -------------------------------------------------------------------------------------


@pytest.mark.parametrize(("template", "data", "want"), [
    ("a  {{- .X -}}  \n b", {"X": 1}, "a1b"),
    ("{{ range $i, $m := .L }}{{ $i }}={{ $m }};{{ else }}none{{ end }}", {"L": ["x", "y"]}, "0=x;1=y;"),
    ("{{ range .L }}{{ . }}{{ else }}none{{ end }}", {"L": []}, "none"),
    ('{{ if and .A (eq .B "b" "c") }}yes{{ else if .A }}a{{ else }}no{{ end }}', {"A": 1, "B": "c"}, "yes"),
    ("{{ $x := 1 }}{{ if true }}{{ $x = 2 }}{{ end }}{{ $x }}", {}, "2"),
    ("{{ or .Missing_ok .B }}{{ len (slice .L 1) }}{{/* comment */}}", {"Missing_ok": "", "B": "b", "L": [1, 2, 3]}, "b2"),
    ('{{ "a\\nb" }}{{ `raw\\n` }}{{ .S | print }}', {"S": "s"}, "a\nbraw\\ns"),
])
def test_go_template_subset(template, data, want):
    assert render_go_template(template, data) == want


def test_go_template_errors_are_specific():
    with pytest.raises(GoTemplateError, match="'with' is outside the supported Go template subset"):
        render_go_template("{{ with .X }}{{ end }}", {"X": 1})
    with pytest.raises(GoTemplateError, match="can't evaluate field Nope in dict"):
        render_go_template("{{ .Nope }}", {})
    with pytest.raises(GoTemplateError, match="missing {{end}}"):
        render_go_template("{{ if .X }}", {"X": 1})
